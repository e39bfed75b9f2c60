package io.akmon.agent.heartbeat;

import org.junit.jupiter.api.Test;

import static io.akmon.agent.heartbeat.Progress.GUARD_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressTest {
    private long now = 1_000_000_000_000L;
    private long rounds = 7;
    /** Whether the reader completes rounds (each look at the counter sees one more). */
    private boolean reading = true;
    private final Progress progress = new Progress(() -> reading ? rounds++ : rounds, () -> now, 2_000_000L);

    @Test
    void theReaderVouchesForATimeOnceARoundThatBeganAfterItHasCompleted() {
        assertEquals(now - GUARD_NS, progress.tick());
        now += 100_000_000;
        assertEquals(now - GUARD_NS, progress.tick());
    }

    @Test
    void nothingIsKnownBeforeTheReaderHasCompletedARound() {
        reading = false;
        assertEquals(0, progress.tick());
        reading = true;
        assertEquals(now - GUARD_NS, progress.tick());
    }

    @Test
    void aStalledReaderStopsTheProgress() {
        long p = progress.tick();
        reading = false; // no round completes
        for (int i = 0; i < 5; i++) {
            now += 100_000_000;
            assertEquals(p, progress.tick());
        }
        reading = true;
        assertEquals(now - GUARD_NS, progress.tick());
    }

    @Test
    void aRunningDrainHoldsTheProgressBeforeItsStart() {
        long drainStart = now;
        progress.drainStarted();
        now += 100_000_000;
        assertEquals(drainStart - GUARD_NS, progress.tick()); // the reader is further, the drain's records are not in yet
        now += 100_000_000;
        assertEquals(drainStart - GUARD_NS, progress.tick());
        progress.drainEnded();
        assertEquals(now - GUARD_NS, progress.tick());
    }
}
