package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import io.akmon.flink.testing.WindowHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.WindowHarness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The gap an agent crash leaves: the numbers it reserved and never delivered are missing between the
 * last window before the crash and the first after the restart. The restarted agent then drains records
 * the kernel buffered while it was down, which arrive late for windows already emitted. The re-emitted
 * host documents must keep reporting the gap: a document replaces the earlier one of its window.
 */
class RestartGapTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration LATENESS = Duration.ofSeconds(30);

    @Test
    void aGapAcrossWindowsStaysReportedWhenItsWindowIsReEmitted() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = WindowHarness.of(WINDOW, LATENESS)) {
            // cpu -1 (the agent's own stream): 1..3 before the crash, 148..150 after it (144 missing);
            // cpu 1: 1..2 before, 6 after (3 missing).
            send(h, cpu("h1", -1, 1, 1_000, 1, "a", 1), cpu("h1", -1, 2, 2_000, 1, "a", 1),
                    cpu("h1", -1, 3, 3_000, 1, "a", 1), cpu("h1", 1, 1, 1_500, 1, "a", 1),
                    cpu("h1", 1, 2, 2_500, 1, "a", 1));
            h.processWatermark(9_999);
            send(h, cpu("h1", -1, 148, 11_000, 1, "a", 1), cpu("h1", -1, 149, 12_000, 1, "a", 1),
                    cpu("h1", -1, 150, 13_000, 1, "a", 1), cpu("h1", 1, 6, 12_500, 1, "a", 1));
            h.processWatermark(19_999);
            send(h, cpu("h1", -1, 151, 21_000, 1, "a", 1), cpu("h1", 1, 7, 21_500, 1, "a", 1));
            h.processWatermark(29_999);
            assertEquals(144 + 3, latestMissing(h), "the gaps, as first emitted");

            // Late records of other streams re-emit the windows after the gap, in and out of order.
            send(h, cpu("h1", 0, 1, 14_000, 1, "a", 1));
            assertEquals(144 + 3, latestMissing(h), "after a late update of the window after the gap");
            send(h, cpu("h1", 0, 2, 24_000, 1, "a", 1), cpu("h1", 2, 1, 5_000, 1, "a", 1),
                    cpu("h1", 2, 2, 15_000, 1, "a", 1));
            assertEquals(144 + 3, latestMissing(h), "after late updates of every window");
            // The earlier of two numbers missing in cpu 1 arrives after all.
            send(h, cpu("h1", 1, 3, 5_500, 1, "a", 1));
            assertEquals(144 + 2, latestMissing(h), "a late arrival fills its number");
        }
    }

    @Test
    void spooledRecordsReplayedAfterTheNewAgentsRecordsNarrowTheGap() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = WindowHarness.of(WINDOW, LATENESS)) {
            // Delivered before the crash: 1..3. Accepted into the spool, not yet delivered: 4, 5. Reserved
            // and lost with the process: 6..147. The restarted agent's records 148..150 arrive first.
            send(h, cpu("h1", -1, 1, 1_000, 1, "a", 1), cpu("h1", -1, 2, 2_000, 1, "a", 1),
                    cpu("h1", -1, 3, 3_000, 1, "a", 1));
            h.processWatermark(9_999);
            send(h, cpu("h1", -1, 148, 11_000, 1, "a", 1), cpu("h1", -1, 149, 12_000, 1, "a", 1),
                    cpu("h1", -1, 150, 13_000, 1, "a", 1));
            h.processWatermark(19_999);
            assertEquals(144, latestMissing(h));

            // The spool replays 2..5: 2 and 3 are duplicates, 4 and 5 late records of the first window.
            send(h, cpu("h1", -1, 2, 2_000, 1, "a", 1), cpu("h1", -1, 3, 3_000, 1, "a", 1),
                    cpu("h1", -1, 4, 3_500, 1, "a", 1), cpu("h1", -1, 5, 4_000, 1, "a", 1));
            assertEquals(142, latestMissing(h), "6..147, the numbers lost with the process");
            h.processWatermark(Duration.ofHours(2).toMillis());
            assertEquals(0, h.numKeyedStateEntries(), "state drains");
            assertEquals(0, h.numEventTimeTimers());
        }
    }

    /** Total missing over the latest host document of each window. */
    private static long latestMissing(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h) {
        Map<String, Long> byWindow = new HashMap<>();
        for (Aggregate a : new ArrayList<>(h.extractOutputValues())) {
            if (a instanceof HostAggregate) {
                byWindow.put(a.id, ((HostAggregate) a).missing);
            }
        }
        return byWindow.values().stream().mapToLong(Long::longValue).sum();
    }
}
