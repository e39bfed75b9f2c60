package io.akmon.flink.dedup;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deduplication of one host's sequence streams (what the keyed operator runs before folding a record). */
class HostStreamsTest {
    private static final long WINDOW = 10_000;
    private static final long LATENESS = 5_000;
    private static final long HOLD = 15_000;
    private static final long IDLE = 60_000;

    private HostStreams streams = new HostStreams();
    private final List<Long> passed = new ArrayList<>();

    private void send(int cpu, long seq, long tsMs) {
        if (streams.admit("h1/boot-1/" + cpu, seq, tsMs)) {
            passed.add(seq);
        }
    }

    @Test
    void replayedRecordsPassOnceAndStateDrains() {
        send(0, 1, 1_000);
        send(0, 2, 1_100);
        send(0, 2, 1_100);      // replayed by the agent
        send(0, 4, 1_300);      // 3 is still on its way
        send(1, 1, 1_050);      // another CPU's stream: its own numbering
        send(0, 3, 1_200);      // fills the gap
        send(0, 1, 1_000);      // replayed by Kafka
        send(0, 4, 1_300);
        send(1, 1, 1_050);

        assertEquals(List.of(1L, 2L, 4L, 1L, 3L), passed);
        assertFalse(streams.isEmpty());

        // Past the hold and the stream idle timeout: nothing is kept for either stream.
        assertTrue(streams.expire(1_300 + IDLE + 1_000, HOLD, IDLE));
    }

    @Test
    void gapIsSettledAfterTheHoldAndLaterRecordsStillDeduplicate() {
        send(0, 10, 1_000);
        send(0, 11, 1_100);
        send(0, 13, 1_300);     // 12 is lost
        send(0, 14, 1_400);
        long now = 1_400 + HOLD + 1_000;
        streams.expire(now, HOLD, IDLE);   // gap settled, pending drained
        assertFalse(streams.streams.get("h1/boot-1/0").hasPending());
        send(0, 15, 17_000);
        // A replay older than the hold is late (it goes to the dead letters before deduplication) ...
        assertTrue(HostStreams.isLate(1_400, now, WINDOW, LATENESS));
        send(0, 14, 1_400);     // ... and would not count again anyway
        send(0, 15, 17_000);    // a recent replay: a duplicate
        send(0, 12, 1_200);     // the lost record, settled as lost: it does not count either
        assertEquals(List.of(10L, 11L, 13L, 14L, 15L), passed);
    }

    @Test
    void aGapIsHeldOpenUntilTheHoldHasPassed() {
        send(0, 1, 1_000);
        send(0, 3, 1_200);
        streams.expire(1_200 + HOLD - 1_000, HOLD, IDLE);  // not yet
        send(0, 2, 1_100);      // the missing record arrives in time
        assertEquals(List.of(1L, 3L, 2L), passed);
    }

    @Test
    void recordsBeyondAllowedLatenessAreLate() {
        assertTrue(HostStreams.isLate(9_999, 14_999, WINDOW, LATENESS));
        assertFalse(HostStreams.isLate(9_999, 14_998, WINDOW, LATENESS));
        assertFalse(HostStreams.isLate(10_500, 24_000, WINDOW, LATENESS));
    }

    @Test
    void stateSurvivesASnapshotAndRestore() throws Exception {
        send(0, 1, 1_000);
        send(0, 3, 1_200);
        DataOutputSerializer out = new DataOutputSerializer(64);
        HostStreams.Serializer.INSTANCE.serialize(streams, out);
        streams = HostStreams.Serializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        passed.clear();
        send(0, 1, 1_000);
        send(0, 3, 1_200);
        send(0, 2, 1_100);
        assertEquals(List.of(2L), passed);
        assertTrue(streams.expire(1_200 + IDLE + 1_000, HOLD, IDLE));
    }
}
