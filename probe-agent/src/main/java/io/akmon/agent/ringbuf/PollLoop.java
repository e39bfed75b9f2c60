package io.akmon.agent.ringbuf;

import io.akmon.agent.loader.Native;
import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.logging.LogThrottle;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one poll loop of every kernel transport: poll with a timeout, read what a timeout left
 * (a batch smaller than the wakeup threshold), count the round. A poll error other than EINTR is
 * logged (once per 30 s while it lasts) and the loop backs off before the next poll, so a broken
 * transport neither spins a core nor floods the log.
 */
final class PollLoop {
    /** What a transport offers the loop. */
    interface Transport {
        /** Waits up to {@code timeoutMs} for records and reads them; a negative errno on failure. */
        int poll(int timeoutMs);

        /** Reads whatever is committed without waiting. */
        void consume();

        /** The round has read what it will read: what the records' handler does once per round. */
        default void roundEnded() {
        }
    }

    interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    static final int EINTR = 4;
    static final long ERROR_BACKOFF_MS = 100;

    private final String name;
    private final Transport transport;
    private final int timeoutMs;
    private final AgentLog log;
    private final LogThrottle errors;
    private final Sleeper sleeper;
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean running;
    private Thread thread;

    PollLoop(String name, Transport transport, int timeoutMs, AgentLog log) {
        this(name, transport, timeoutMs, log, new LogThrottle(30, TimeUnit.SECONDS), Thread::sleep);
    }

    PollLoop(String name, Transport transport, int timeoutMs, AgentLog log, LogThrottle errors, Sleeper sleeper) {
        this.name = name;
        this.transport = transport;
        this.timeoutMs = timeoutMs;
        this.log = log;
        this.errors = errors;
        this.sleeper = sleeper;
    }

    /** Starts polling on a daemon thread named {@code akmon-<name>}. */
    void start() {
        running = true;
        thread = new Thread(this::run, "akmon-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    void run() {
        while (running) {
            if (!round()) {
                return;
            }
        }
    }

    /** One poll round; false if the thread was interrupted while backing off. */
    boolean round() {
        int rc = transport.poll(timeoutMs);
        if (rc == 0) {
            transport.consume();
        }
        if (rc >= 0) {
            transport.roundEnded();
        }
        rounds.incrementAndGet();
        if (rc < 0 && rc != -EINTR) {
            failures.incrementAndGet();
            if (errors.allow()) {
                log.error(name + " poll failed: " + Native.describeErrno(rc) + "; retrying every " + ERROR_BACKOFF_MS + " ms");
            }
            try {
                sleeper.sleep(ERROR_BACKOFF_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        } else if (rc >= 0) {
            errors.reset();
        }
        return true;
    }

    /** Stops the loop and waits for its thread to finish the round it is in. */
    void stop() {
        running = false;
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    long rounds() {
        return rounds.get();
    }

    long failures() {
        return failures.get();
    }
}
