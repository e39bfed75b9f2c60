package io.akmon.flink.aggregate;

import io.akmon.flink.fold.FoldOperator;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.testing.WindowHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.Records.disk;
import static io.akmon.flink.testing.Records.hist;
import static io.akmon.flink.testing.Records.net;
import static io.akmon.flink.testing.WindowHarness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every document of a host window carries its host's coverage, also a late update; state drains. */
class CoverageTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration LATENESS = Duration.ofSeconds(5);

    @Test
    void everyAggregateGetsItsHostsCoverageAndStateDrains() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = WindowHarness.of(WINDOW, LATENESS)) {
            // h1: seqs 1, 2, 4 of cpu 0 (3 lost): 3 records of 4, coverage 0.75. h2: complete.
            send(h, cpu("h1", 0, 1, 1_000, 1, "a", 1), cpu("h1", 0, 2, 2_000, 1, "a", 1),
                    disk("h1", 0, 4, 3_000, 1, "a", "vda", "read", 1, 512, 1_000, hist(1, 1)),
                    cpu("h2", 0, 1, 1_000, 1, "b", 1), cpu("h2", 0, 2, 2_000, 1, "b", 1),
                    net("h2", 0, 3, 2_500, 1, "b", "connect", "c1", 0, 0, 0), cpu("h2", 0, 4, 3_000, 2, "c", 1));
            assertTrue(h.extractOutputValues().isEmpty(), "nothing before the window closes");

            h.processWatermark(9_999);
            List<Aggregate> out = h.extractOutputValues();
            // With one resolution it is also the roll-up: the 3 processes' sessions are emitted with the window.
            assertEquals(2 + 3 + 1 + 1 + 3, out.size(), "2 hosts, 3 processes, 1 disk, 1 connection, 3 sessions");
            for (Aggregate a : out) {
                assertEquals(a.host.equals("h1") ? 0.75 : 1.0, a.coverage, 1e-12, a.id);
            }

            // A late update of the window is stamped on arrival, with the host's updated coverage: the
            // lost seq 3 arrives after all, so h1 is complete.
            send(h, cpu("h1", 0, 3, 2_500, 2, "d", 1));
            List<Aggregate> late = h.extractOutputValues().subList(out.size(), h.extractOutputValues().size());
            assertEquals(2, late.size(), "the host and the process document of the late record");
            assertEquals("host/10s/h1/0", late.get(0).id);
            assertEquals("process/10s/h1/2/0", late.get(1).id);
            for (Aggregate a : late) {
                assertEquals(1.0, a.coverage, 1e-12, a.id);
            }

            // Too late for the window even with its lateness: a dead letter, not a document.
            h.processWatermark(9_999 + LATENESS.toMillis());
            send(h, cpu("h1", 1, 1, 9_000, 3, "e", 1));
            assertEquals(1, h.getSideOutput(FoldOperator.LATE).size());
            assertEquals(0, WindowHarness.windowStateEntries(h, "10s"));
            h.processWatermark(Duration.ofHours(2).toMillis());
            assertEquals(0, h.numKeyedStateEntries());
            assertEquals(0, h.numEventTimeTimers());
        }
    }
}
