package io.akmon.agent.cli;

import io.akmon.schema.Durations;
import picocli.CommandLine;

import java.time.Duration;

/** akmon's one duration grammar ({@link Durations}): "500ms", "10s", "5m", "1h", "1d" or ISO-8601. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
