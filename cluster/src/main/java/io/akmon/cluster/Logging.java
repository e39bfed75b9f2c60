package io.akmon.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The log4j2 configuration of the server processes: one console appender (the process's log file) at a level. */
final class Logging {
    private Logging() {
    }

    /** Writes {@code log4j2-LEVEL.properties} into {@code dir} (once) and returns its path. */
    static String config(Path dir, String level) {
        Path file = dir.resolve("log4j2-" + level.toLowerCase() + ".properties");
        String text = String.join("\n",
                "rootLogger.level = " + level,
                "rootLogger.appenderRef.console.ref = console",
                "appender.console.type = Console",
                "appender.console.name = console",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
                "");
        try {
            Files.createDirectories(dir);
            if (!Files.exists(file)) {
                Files.writeString(file, text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file.toString();
    }
}
