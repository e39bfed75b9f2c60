package io.akmon.schema;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of akmon, shared by the agent, the jobs, the rules and the command line:
 * a whole number and a unit, {@code ms}, {@code s}, {@code m} (or {@code min}), {@code h} or {@code d}
 * ({@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 7d}), or an ISO-8601 duration
 * ({@code PT10S}); a bare {@code 0} is zero. {@link #format} gives the normal form, the one labels, ids and uids use, so
 * {@code 10000ms}, {@code 10s} and {@code PT10S} all name the same window: {@code 10s}.
 */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,18})(ms|s|m|min|h|d)");
    public static final String GRAMMAR = "a whole number and a unit: 500ms, 10s, 5m, 1h, 1d";

    private Durations() {
    }

    /** Parses a duration; throws {@link IllegalArgumentException} naming the value and the grammar. */
    public static Duration parse(String value) {
        if (value == null) {
            throw new IllegalArgumentException("missing duration (use " + GRAMMAR + ")");
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("0")) {
            return Duration.ZERO; // "off" for the settings that take it
        }
        Matcher m = SIMPLE.matcher(v);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m", "min" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            if (v.startsWith("p")) {
                Duration d = Duration.parse(v.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return d;
                }
            }
        } catch (ArithmeticException | java.time.format.DateTimeParseException e) {
            // falls through to the one error below
        }
        throw new IllegalArgumentException("'" + value + "' is not a duration (use " + GRAMMAR + ")");
    }

    /** The normal form: the largest unit that divides the duration ({@code 10s}, {@code 1m}, {@code 1h}, {@code 500ms}). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** Parses and gives the normal form: {@code normalize("10000ms")} is {@code "10s"}. */
    public static String normalize(String value) {
        return format(parse(value));
    }
}
