package io.akmon.agent.logging;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;

/**
 * Where one part of the agent writes what it has to say: an SLF4J logger (the agent as run, levels
 * set by {@code --log-level}, see {@link Logging}), or a stream given by an embedding program or a
 * test, in the agent's one-line format ({@code akmon: warning: ...}).
 */
public abstract class AgentLog {
    /** Progress worth a line at the default level (e.g. "delivering to kafka again"). */
    public abstract void note(String message);

    public abstract void warn(String message);

    public abstract void error(String message);

    /** Detail for diagnosis, shown from level debug on. */
    public abstract void debug(String message);

    /** Through SLF4J, under the logger {@code name} (e.g. {@code akmon.kafka}). */
    public static AgentLog slf4j(String name) {
        Logger logger = LoggerFactory.getLogger(name);
        return new AgentLog() {
            @Override
            public void note(String message) {
                logger.info(message);
            }

            @Override
            public void warn(String message) {
                logger.warn(message);
            }

            @Override
            public void error(String message) {
                logger.error(message);
            }

            @Override
            public void debug(String message) {
                logger.debug(message);
            }
        };
    }

    /**
     * To a stream, one line a message: notes as {@code akmon: <topic>: ...}, warnings and errors as
     * {@code akmon: warning: ...} and {@code akmon: error: ...}; debug lines are dropped. A null
     * stream drops everything.
     */
    public static AgentLog to(PrintStream out, String topic) {
        return new AgentLog() {
            @Override
            public void note(String message) {
                print("akmon: " + topic + ": " + message);
            }

            @Override
            public void warn(String message) {
                print("akmon: warning: " + message);
            }

            @Override
            public void error(String message) {
                print("akmon: error: " + message);
            }

            @Override
            public void debug(String message) {
            }

            private void print(String line) {
                if (out != null) {
                    out.println(line);
                }
            }
        };
    }
}
