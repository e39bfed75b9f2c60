package io.akmon.agent.publish;

import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.logging.LogThrottle;

import java.util.concurrent.TimeUnit;

/**
 * The sink's log: notes, warnings and errors as they come, and problems that repeat while they last
 * (an outage, a failing disk) once per 30 s; a new episode ({@link #newEpisode}) is written at once.
 */
final class ProblemLog {
    private final AgentLog log;
    private final LogThrottle throttle;

    ProblemLog(AgentLog log) {
        this(log, new LogThrottle(30, TimeUnit.SECONDS));
    }

    ProblemLog(AgentLog log, LogThrottle throttle) {
        this.log = log;
        this.throttle = throttle;
    }

    void note(String message) {
        log.note(message);
    }

    void warn(String message) {
        log.warn(message);
    }

    void error(String message) {
        log.error(message);
    }

    void debug(String message) {
        log.debug(message);
    }

    /** An error that repeats while a problem lasts: written once per interval. */
    void problem(String message) {
        if (throttle.allow()) {
            log.error(message);
        }
    }

    /** A problem starts again (e.g. the cluster went away after it came back): its next line is written at once. */
    void newEpisode() {
        throttle.reset();
    }

    /** An exception as {@code Class: message}, for one-line errors. */
    static String describe(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
