package io.akmon.agent.cli;

import picocli.CommandLine.Option;

import java.util.List;

/** {@code --log-level}, as a picocli mixin for every command that runs the agent. See {@link io.akmon.agent.logging.Logging}. */
public final class LogOptions {
    @Option(names = "--log-level", paramLabel = "[LOGGER=]LEVEL", split = ",",
            description = "Log level (trace, debug, info, warn, error, off) of every logger, or of one logger and those below it "
                    + "(e.g. org.apache.kafka=debug for the Kafka client); repeatable. Logs go to standard error. "
                    + "Default: info for akmon, warn for the rest.")
    List<String> levels;

    /** The levels given here, or else those of the config file. */
    public List<String> or(List<String> fromConfig) {
        return levels != null ? levels : fromConfig;
    }
}
