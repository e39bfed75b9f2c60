package io.akmon.agent.logging;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Lets a repeating problem through once per interval, so an outage of hours writes a line every
 * half minute rather than one per retry. {@link #reset} lets the next one through at once (a new
 * episode). Thread-safe.
 */
public final class LogThrottle {
    private final long intervalNs;
    private final LongSupplier clock;
    private long lastNs;
    private boolean any;

    public LogThrottle(long interval, TimeUnit unit) {
        this(interval, unit, System::nanoTime);
    }

    /** With a clock of its own (ns), for tests. */
    public LogThrottle(long interval, TimeUnit unit, LongSupplier clock) {
        this.intervalNs = unit.toNanos(interval);
        this.clock = clock;
    }

    /** Whether a line may be written now; if so, the interval starts again. */
    public synchronized boolean allow() {
        long now = clock.getAsLong();
        if (!any || now - lastNs > intervalNs) {
            any = true;
            lastNs = now;
            return true;
        }
        return false;
    }

    public synchronized void reset() {
        any = false;
    }
}
