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

    /**
     * The shape of a real agent SIGKILL on the reference cluster: the agent's own stream (cpu -1, a drain
     * every 200 ms numbering its records in one block, keyed by pid so they reach the job through several
     * partitions read at different rates) numbers on from its pinned counter without a gap; the kernel
     * buffer is lost with the process, 1 record of cpu 0 and 3 of cpu 1; the spool replays records already
     * delivered, and delivers 2 of cpu 0 accepted but not sent before the crash, 25 s of event time later.
     * Only the first window after the restart reports the 4 lost records.
     */
    @Test
    void anAgentCrashReportsJustTheKernelBufferLostInTheWindowAfterTheRestart() throws Exception {
        Duration window = Duration.ofSeconds(2);
        try (KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = WindowHarness.of(window, LATENESS)) {
            long[] agentSeq = {0};
            long[] cpu0 = {0};
            long[] cpu1 = {0};
            List<Event> replay = new ArrayList<>();
            // before the crash, 0..10.4 s; cpu 0's last 2 records stay in the spool
            run(h, 0, 10_400, agentSeq, cpu0, cpu1, replay, 2);
            cpu0[0]++;     // the next one was in the kernel buffer at the crash
            cpu1[0] += 3;  // likewise
            // the restart, 25 s later: first the spool's replay (the last drain's records again, and the 2),
            // then the new agent's records
            send(h, replay.toArray(new Event[0]));
            run(h, 35_000, 45_000, agentSeq, cpu0, cpu1, null, 0);
            h.processWatermark(60_000);

            Map<Long, Long> missing = new java.util.TreeMap<>();
            long records = 0;
            for (HostAggregate a : latestHostDocuments(h).values()) {
                if (a.missing > 0) {
                    missing.put(a.timestamp, a.missing);
                }
                records += a.records;
                assertEquals((double) a.records / (a.records + a.missing), a.coverage, 1e-12, "coverage of " + a.id);
            }
            assertEquals(Map.of(34_000L, 4L), missing, "the lost kernel records, in the first window after the restart");
            assertEquals(agentSeq[0] + cpu0[0] - 1 + cpu1[0] - 3, records, "every record delivered once");
        }
    }

    /**
     * Drains every 200 ms from {@code fromMs} to {@code toMs}: 6 records of cpu -1 for pids 1..6 each, and
     * one kernel record each of cpu 0 and cpu 1. Sent as three partitions (pids mod 3) would deliver them,
     * the first a window ahead of the others; the watermark follows the slowest. The last {@code held}
     * records of cpu 0 go to {@code replay} instead (spooled, not yet sent), after the last drain's again.
     */
    private static void run(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h, long fromMs, long toMs,
                            long[] agentSeq, long[] cpu0, long[] cpu1, List<Event> replay, int held) throws Exception {
        Map<Long, List<List<Event>>> byWindow = new java.util.TreeMap<>();
        List<Event> lastDrain = new ArrayList<>();
        List<Event> kernel0 = new ArrayList<>();
        for (long t = fromMs; t <= toMs; t += 200) {
            List<List<Event>> parts = byWindow.computeIfAbsent(t - t % 2_000, k -> List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
            lastDrain.clear();
            for (int pid = 1; pid <= 6; pid++) {
                Event e = cpu("h1", -1, ++agentSeq[0], t, pid, "a", 1);
                parts.get(pid % 3).add(e);
                lastDrain.add(e);
            }
            Event k0 = cpu("h1", 0, ++cpu0[0], t + 50, 7, "k", 1);
            parts.get(1).add(k0);
            kernel0.add(k0);
            parts.get(2).add(cpu("h1", 1, ++cpu1[0], t + 90, 8, "k", 1));
        }
        if (replay != null) {
            replay.addAll(lastDrain);
            for (Event k0 : kernel0.subList(kernel0.size() - held, kernel0.size())) {
                byWindow.values().forEach(parts -> parts.get(1).remove(k0));
                replay.add(k0);
            }
        }
        List<Long> windows = new ArrayList<>(byWindow.keySet());
        for (int i = 0; i < windows.size(); i++) {
            if (i + 1 < windows.size()) {
                send(h, byWindow.get(windows.get(i + 1)).get(0).toArray(new Event[0])); // partition 0, a window ahead
            }
            if (i == 0) {
                send(h, byWindow.get(windows.get(0)).get(0).toArray(new Event[0]));
            }
            send(h, byWindow.get(windows.get(i)).get(2).toArray(new Event[0]));
            send(h, byWindow.get(windows.get(i)).get(1).toArray(new Event[0]));
            if (i > 0) {
                h.processWatermark(windows.get(i) - 1); // every partition is past the window before
            }
        }
    }

    private static Map<String, HostAggregate> latestHostDocuments(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h) {
        Map<String, HostAggregate> byWindow = new HashMap<>();
        for (Aggregate a : new ArrayList<>(h.extractOutputValues())) {
            if (a instanceof HostAggregate) {
                byWindow.put(a.id, (HostAggregate) a);
            }
        }
        return byWindow;
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
