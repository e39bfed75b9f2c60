package io.akmon.flink.dedup;

import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.testing.Records;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeduplicatorTest {
    private static final long WINDOW = 10_000;
    private static final long LATENESS = 5_000;
    private static final long HOLD = 15_000;
    private static final long IDLE = 60_000;

    private KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness;

    @BeforeEach
    void open() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new Deduplicator(WINDOW, LATENESS, HOLD, IDLE)), Event::streamKey, Types.STRING);
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void send(int cpu, long seq, long tsMs) throws Exception {
        Event e = Records.cpu("h1", cpu, seq, tsMs, 100, "a", 1);
        harness.processElement(e, e.timestampMillis());
    }

    private List<Long> passedSeqs() {
        return harness.extractOutputValues().stream().map(e -> e.seq).collect(Collectors.toList());
    }

    @Test
    void replayedRecordsPassOnceAndStateDrains() throws Exception {
        send(0, 1, 1_000);
        send(0, 2, 1_100);
        send(0, 2, 1_100);      // replayed by the agent
        send(0, 4, 1_300);      // 3 is still on its way
        send(1, 1, 1_050);      // another CPU's stream: its own numbering
        send(0, 3, 1_200);      // fills the gap
        send(0, 1, 1_000);      // replayed by Kafka
        send(0, 4, 1_300);
        send(1, 1, 1_050);

        assertEquals(List.of(1L, 2L, 4L, 1L, 3L), passedSeqs());
        assertTrue(harness.numKeyedStateEntries() > 0);

        // Past the hold and the stream idle timeout: nothing is kept for either stream.
        harness.processWatermark(1_300 + IDLE + 1_000);
        assertEquals(0, harness.numKeyedStateEntries());
        assertEquals(0, harness.numEventTimeTimers());
    }

    @Test
    void gapIsSettledAfterTheHoldAndLaterRecordsStillDeduplicate() throws Exception {
        send(0, 10, 1_000);
        send(0, 11, 1_100);
        send(0, 13, 1_300);     // 12 is lost
        send(0, 14, 1_400);
        harness.processWatermark(1_400 + HOLD + 1_000);   // gap settled, pending drained
        send(0, 15, 17_000);
        send(0, 14, 1_400);     // a replay older than the hold: reported late, not counted
        send(0, 15, 17_000);    // a recent replay: a duplicate
        assertEquals(List.of(10L, 11L, 13L, 14L, 15L), passedSeqs());
        List<StreamRecord<DeadLetter>> late = List.copyOf(harness.getSideOutput(Deduplicator.LATE));
        assertEquals(1, late.size());
        assertTrue(late.get(0).getValue().reason.startsWith("late"));
    }

    @Test
    void recordsBeyondAllowedLatenessGoToTheLateOutput() throws Exception {
        send(0, 1, 25_000);
        harness.processWatermark(24_000);
        send(0, 2, 9_999);      // window [0,10s) closed at 10s; lateness 5s ended at 15s
        send(0, 3, 10_500);     // window [10s,20s): 19_999 + 5_000 > 24_000, still accepted
        assertEquals(List.of(1L, 3L), passedSeqs());
        assertEquals(1, harness.getSideOutput(Deduplicator.LATE).size());
        assertTrue(Deduplicator.isLate(9_999, 14_999, WINDOW, LATENESS));
        assertTrue(!Deduplicator.isLate(9_999, 14_998, WINDOW, LATENESS));
    }

    @Test
    void stateSurvivesASnapshotAndRestore() throws Exception {
        send(0, 1, 1_000);
        send(0, 3, 1_200);
        var snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new Deduplicator(WINDOW, LATENESS, HOLD, IDLE)), Event::streamKey, Types.STRING);
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        send(0, 1, 1_000);
        send(0, 3, 1_200);
        send(0, 2, 1_100);
        assertEquals(List.of(2L), passedSeqs());
        harness.processWatermark(1_200 + IDLE + 1_000);
        assertEquals(0, harness.numKeyedStateEntries());
        assertEquals(0, harness.numEventTimeTimers());
    }
}
