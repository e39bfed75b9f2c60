package io.akmon.agent.heartbeat;

import org.junit.jupiter.api.Test;

import static io.akmon.agent.heartbeat.Progress.GUARD_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressTest {
    private long now = 1_000_000_000_000L;
    private long rounds = 7;
    private final Progress progress = new Progress(() -> rounds, () -> now);

    @Test
    void theReaderVouchesForATimeOnceARoundThatBeganAfterItHasCompleted() {
        assertEquals(0, progress.tick()); // nothing known yet: candidate at `now`, needs round 9
        long t0 = now;
        now += 5_000_000;
        rounds = 8; // the round in progress at t0 ended: it may have read before t0
        assertEquals(0, progress.tick());
        now += 5_000_000;
        rounds = 9; // a whole round after t0
        assertEquals(t0 - GUARD_NS, progress.tick());
    }

    @Test
    void aRunningDrainHoldsTheProgressBeforeItsStart() {
        progress.tick();
        rounds += 2;
        now += 100_000_000;
        long t1 = now;
        progress.tick(); // reader vouches for the first candidate, new candidate at t1
        rounds += 2;
        now += 100_000_000;
        assertEquals(t1 - GUARD_NS, progress.tick());
        long drainStart = now;
        progress.drainStarted();
        rounds += 2;
        now += 100_000_000;
        assertEquals(drainStart - GUARD_NS, progress.tick());
        rounds += 2;
        now += 100_000_000;
        assertEquals(drainStart - GUARD_NS, progress.tick()); // the reader is further, the drain's records are not in yet
        progress.drainEnded();
        rounds += 2;
        now += 100_000_000;
        assertEquals(now - 100_000_000 - GUARD_NS, progress.tick());
    }

    @Test
    void aStalledReaderStopsTheProgress() {
        progress.tick();
        rounds += 2;
        long t1 = now += 100_000_000;
        progress.tick();
        rounds += 2;
        now += 100_000_000;
        long p = progress.tick();
        assertEquals(t1 - GUARD_NS, p);
        for (int i = 0; i < 5; i++) { // no round completes
            now += 100_000_000;
            assertEquals(p, progress.tick());
        }
    }
}
