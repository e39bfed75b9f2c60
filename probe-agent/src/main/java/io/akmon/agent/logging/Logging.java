package io.akmon.agent.logging;

import io.akmon.agent.loader.ProbeException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Log levels as the user sets them ({@code --log-level}, {@code log_level} in the config file):
 * {@code LEVEL} for every logger, or {@code LOGGER=LEVEL} for one logger and those below it
 * (e.g. {@code org.apache.kafka=debug}). Levels: trace, debug, info, warn, error, off. Without a
 * setting the agent's own loggers ({@code akmon.*}) log at info, the Kafka client's own loggers are
 * off (the agent reports what goes wrong with Kafka itself, in one line with the fix, and the client's
 * lines would repeat it), and everything else logs at warn. Logs go to standard error, so standard
 * output stays JSON.
 *
 * <p>Applied to the binding on the class path: slf4j-simple (the agent jar) through its system
 * properties, before the first logger is made; log4j2 (the {@code akmon} jar) through its
 * Configurator.
 */
public final class Logging {
    public static final String AGENT_LOGGERS = "akmon";
    public static final String DEFAULT_LEVEL = "warn";
    public static final String DEFAULT_AGENT_LEVEL = "info";
    /** The Kafka client's loggers: off unless a level is given for every logger or for them. */
    public static final String KAFKA_CLIENT_LOGGERS = "org.apache.kafka";
    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");
    private static final String SIMPLE = "org.slf4j.simpleLogger.";
    /** Picks the appender of the akmon jar's log4j2.properties. */
    public static final String LOG4J_APPENDER_PROPERTY = "akmon.log.appender";

    private Logging() {
    }

    /**
     * Parses settings such as {@code ["debug"]} or {@code ["warn", "org.apache.kafka=debug"]} into
     * logger -> level; the key "" is the level of every logger.
     */
    public static Map<String, String> parse(List<String> settings) {
        Map<String, String> levels = new LinkedHashMap<>();
        for (String raw : settings == null ? List.<String>of() : settings) {
            for (String part : raw.split(",")) {
                String s = part.trim();
                if (s.isEmpty()) {
                    continue;
                }
                int eq = s.indexOf('=');
                String logger = eq < 0 ? "" : s.substring(0, eq).trim();
                String level = (eq < 0 ? s : s.substring(eq + 1)).trim().toLowerCase(Locale.ROOT);
                if (!LEVELS.contains(level)) {
                    throw new ProbeException("invalid log level '" + s + "'",
                            "use one of trace, debug, info, warn, error, off, optionally as LOGGER=LEVEL (e.g. org.apache.kafka=debug)");
                }
                if (eq >= 0 && logger.isEmpty()) {
                    throw new ProbeException("invalid log level '" + s + "': no logger before '='",
                            "write LOGGER=LEVEL, e.g. org.apache.kafka=debug, or just a level");
                }
                levels.put(logger, level);
            }
        }
        return levels;
    }

    /**
     * The levels in effect: the defaults, with a level for every logger replacing both defaults,
     * then the per-logger settings.
     */
    public static Map<String, String> effective(Map<String, String> given) {
        Map<String, String> out = new LinkedHashMap<>();
        String all = given.get("");
        out.put("", all != null ? all : DEFAULT_LEVEL);
        out.put(AGENT_LOGGERS, all != null ? all : DEFAULT_AGENT_LEVEL);
        if (all == null) {
            out.put(KAFKA_CLIENT_LOGGERS, "off");
        }
        given.forEach((logger, level) -> {
            if (!logger.isEmpty()) {
                out.put(logger, level);
            }
        });
        return out;
    }

    /** Sets the levels on whichever binding is present. Call before the agent makes its loggers. */
    public static void apply(List<String> settings) {
        Map<String, String> levels = effective(parse(settings));
        levels.forEach((logger, level) -> System.setProperty(
                logger.isEmpty() ? SIMPLE + "defaultLogLevel" : SIMPLE + "log." + logger, level));
        applyLog4j(levels);
    }

    private static void applyLog4j(Map<String, String> levels) {
        Class<?> configurator;
        Class<?> level;
        try {
            configurator = Class.forName("org.apache.logging.log4j.core.config.Configurator");
            level = Class.forName("org.apache.logging.log4j.Level");
        } catch (ClassNotFoundException | LinkageError e) {
            return; // not the binding here
        }
        try {
            // the akmon jar's log4j2.properties writes to standard error when this is set (else to a file, for akmon run)
            System.setProperty(LOG4J_APPENDER_PROPERTY, "stderr");
            try {
                configurator.getMethod("reconfigure").invoke(null);
            } catch (NoSuchMethodException old) {
                // log4j before 2.12: the property applies when it first configures itself
            }
            var toLevel = level.getMethod("toLevel", String.class);
            var setRoot = configurator.getMethod("setRootLevel", level);
            var setOne = configurator.getMethod("setLevel", String.class, level);
            List<Map.Entry<String, String>> entries = new ArrayList<>(levels.entrySet());
            for (Map.Entry<String, String> e : entries) {
                Object l = toLevel.invoke(null, e.getValue().toUpperCase(Locale.ROOT));
                if (e.getKey().isEmpty()) {
                    setRoot.invoke(null, l);
                } else {
                    setOne.invoke(null, e.getKey(), l);
                }
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            // a log4j without this API: it keeps the levels of its own configuration
        }
    }
}
