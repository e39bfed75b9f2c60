package io.akmon.flink.dedup;

import io.akmon.flink.ingest.Event;
import io.akmon.flink.ingest.EventSerializer;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.akmon.flink.testing.Records.fork;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The alert job's deduplication: replays count once, late records are routed aside, state drains. */
class StreamDeduplicatorTest {
    private static final long HOLD = 5_000;
    private static final long IDLE = 60_000;

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StreamDeduplicator(HOLD, IDLE)), Event::streamKey, Types.STRING);
        h.setup(EventSerializer.INSTANCE);
        h.open();
        return h;
    }

    private static List<Long> seqs(KeyedOneInputStreamOperatorTestHarness<String, Event, Event> h) {
        return h.extractOutputValues().stream().map(e -> e.seq).toList();
    }

    @Test
    void aStreamReplayedThreeTimesOutOfOrderPassesEachRecordOnce() throws Exception {
        try (var h = harness()) {
            for (int round = 0; round < 3; round++) {
                for (long seq : new long[] {3, 1, 2, 5, 4}) {
                    h.processElement(new StreamRecord<>(fork("h1", 0, seq, 1_000 + seq, (int) (100 + seq), 1, "sh"), 1_000 + seq));
                }
            }
            // another cpu's stream is its own: the same numbers are new there
            h.processElement(new StreamRecord<>(fork("h1", 1, 1, 1_100, 200, 1, "sh"), 1_100));
            assertEquals(List.of(3L, 1L, 2L, 5L, 4L, 1L), seqs(h));

            // past the hold the gap before seq 1 is settled: replaying 1..5 still passes nothing
            h.processWatermark(20_000);
            for (long seq = 1; seq <= 5; seq++) {
                h.processElement(new StreamRecord<>(fork("h1", 0, seq, 18_000, 100, 1, "sh"), 18_000));
            }
            assertEquals(6, seqs(h).size());
        }
    }

    @Test
    void recordsOlderThanTheHoldBehindTheWatermarkGoToTheLateOutputAndStateDrains() throws Exception {
        try (var h = harness()) {
            h.processElement(new StreamRecord<>(fork("h1", 0, 1, 10_000, 100, 1, "sh"), 10_000));
            h.processWatermark(30_000);
            h.processElement(new StreamRecord<>(fork("h1", 0, 2, 20_000, 101, 1, "sh"), 20_000));
            assertEquals(1, h.getSideOutput(StreamDeduplicator.LATE).size());
            assertEquals(List.of(1L), seqs(h));

            h.processWatermark(10_000 + IDLE + 2_000);
            assertEquals(0, h.numKeyedStateEntries());
            assertEquals(0, h.numEventTimeTimers());
        }
    }
}
