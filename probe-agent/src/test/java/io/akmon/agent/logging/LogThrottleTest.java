package io.akmon.agent.logging;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogThrottleTest {
    @Test
    void onceAnIntervalUntilReset() {
        AtomicLong now = new AtomicLong(1_000);
        LogThrottle t = new LogThrottle(30, TimeUnit.SECONDS, now::get);
        assertTrue(t.allow());
        assertFalse(t.allow());
        now.addAndGet(TimeUnit.SECONDS.toNanos(29));
        assertFalse(t.allow());
        now.addAndGet(TimeUnit.SECONDS.toNanos(2));
        assertTrue(t.allow());
        assertFalse(t.allow());
        t.reset();
        assertTrue(t.allow(), "a new episode is told at once");
    }
}
