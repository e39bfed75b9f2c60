package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import io.akmon.flink.testing.WindowHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.Records.exit;
import static io.akmon.flink.testing.Records.fork;
import static io.akmon.flink.testing.Records.host;
import static io.akmon.flink.testing.Records.lost;
import static io.akmon.flink.testing.Records.memory;
import static io.akmon.flink.testing.Records.syscall;
import static io.akmon.flink.testing.WindowHarness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;

class HostWindowTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration LATENESS = Duration.ofSeconds(5);
    private static final Duration PROCESS_IDLE = Duration.ofSeconds(30);
    private static final Duration STREAM_IDLE = Duration.ofSeconds(60);

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> harness() throws Exception {
        return WindowHarness.of(List.of(WINDOW), LATENESS, PROCESS_IDLE, STREAM_IDLE, null);
    }

    private static HostAggregate last(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h) {
        List<HostAggregate> out = WindowHarness.outputs(h, HostAggregate.KIND);
        return out.get(out.size() - 1);
    }

    @Test
    void coverageCountsSequenceGapsInsideAndBetweenWindowsAndReportedLosses() throws Exception {
        try (var h = harness()) {
            // Window 1: cpu 0 has 1,2,4,5 (3 lost); the agent stream reports 7 map losses and the
            // output loss that is the gap itself (not counted twice).
            send(h, cpu("h1", 0, 1, 1_000, 10, "a", 1), cpu("h1", 0, 2, 2_000, 10, "a", 1),
                    cpu("h1", 0, 4, 4_000, 10, "a", 1), cpu("h1", 0, 5, 5_000, 10, "a", 1),
                    lost("h1", 1, 5_000, "syscall_map", 7), lost("h1", 2, 5_000, "output", 1));
            h.processWatermark(9_999);
            HostAggregate w1 = last(h);
            assertEquals(6, w1.records);
            assertEquals(8, w1.missing);
            assertEquals(6.0 / 14.0, w1.coverage, 1e-12);

            // Window 2: cpu 0 resumes at 8 (6 and 7 lost on the boundary); the agent stream is complete.
            send(h, cpu("h1", 0, 8, 12_000, 10, "a", 1), cpu("h1", 0, 9, 13_000, 10, "a", 1),
                    lost("h1", 3, 13_000, "output", 2));
            h.processWatermark(19_999);
            HostAggregate w2 = last(h);
            assertEquals(3, w2.records);
            assertEquals(2, w2.missing);
            assertEquals(0.6, w2.coverage, 1e-12);

            // Window 3: nothing lost.
            send(h, cpu("h1", 0, 10, 21_000, 10, "a", 1));
            h.processWatermark(29_999);
            assertEquals(1.0, last(h).coverage, 1e-12);
        }
    }

    @Test
    void sumsProcessesAndTracksLiveProcessesUntilTheyExit() throws Exception {
        try (var h = harness()) {
            send(h,
                    fork("h1", 0, 1, 1_000, 100, 1, "a"),
                    fork("h1", 0, 2, 1_100, 101, 1, "b"),
                    cpu("h1", -1, 1, 2_000, 100, "a", 2_000_000_000L),
                    cpu("h1", -1, 2, 2_000, 101, "b", 3_000_000_000L),
                    memory("h1", -1, 3, 3_000, 100, "a", 1_000, 1_000, 5),
                    memory("h1", -1, 4, 3_000, 101, "b", 500, 600, 1),
                    memory("h1", -1, 5, 4_000, 101, "b", 700, 700, 1),
                    syscall("h1", -1, 6, 4_000, 100, "a", "read", 30, 0),
                    syscall("h1", -1, 7, 4_000, 101, "b", "read", 10, 2),
                    syscall("h1", -1, 8, 4_000, 101, "b", "openat", 5, 5),
                    exit("h1", 0, 3, 6_000, 101, "b", 0, 0, 4_900_000_000L));
            h.processWatermark(9_999);
            HostAggregate w1 = last(h);
            assertEquals("host/10s/h1/0", w1.id);
            assertEquals(5_000_000_000L, w1.onCpuNs);
            assertEquals(50.0, w1.cpuPct, 1e-12);
            assertEquals(1_700, w1.rssBytes);
            assertEquals(7, w1.pageFaults);
            assertEquals(45, w1.syscallCount);
            assertEquals(7, w1.syscallErrors);
            assertEquals(List.of(new SyscallCount("read", 40, 2), new SyscallCount("openat", 5, 5)), w1.topSyscalls);
            assertEquals(2, w1.processStarts);
            assertEquals(1, w1.processExits);
            assertEquals(Map.of("0", 1L), w1.exitsByCode);
            assertEquals(4_900_000_000L, w1.lifetimeNsMax);
            assertEquals(2, w1.activeProcesses);
            assertEquals(1, w1.liveProcesses);

            // A record trailing 101's exit does not revive it; a new fork reusing pid 101 does.
            send(h, cpu("h1", -1, 9, 11_000, 101, "b", 1), cpu("h1", -1, 10, 11_000, 100, "a", 1));
            h.processWatermark(19_999);
            assertEquals(1, last(h).liveProcesses);
            send(h, fork("h1", 0, 4, 22_000, 101, 1, "c"));
            h.processWatermark(29_999);
            assertEquals(2, last(h).liveProcesses);

            // Both exit; once the window and lateness pass, only the window state of later windows
            // and the per-stream sequence map (one entry for the host) remain: no per-process state.
            send(h, exit("h1", 0, 5, 31_000, 100, "a", 0, 0, 1), exit("h1", 0, 6, 32_000, 101, "c", 1, 0, 1));
            h.processWatermark(39_999);
            assertEquals(0, last(h).liveProcesses);
            send(h, lost("h1", 11, 75_000, "decode", 1));
            h.processWatermark(79_999 + LATENESS.toMillis());
            assertEquals(0, last(h).liveProcesses);
            assertEquals(0, WindowHarness.windowStateEntries(h, "10s"), "no window state is left");
            // and the sessions of pid 1, which forked them and is not known to have exited.
            assertEquals(3, h.numKeyedStateEntries(), "only the host's history, deduplication state and sessions remain");
            // Once the host has been silent for the stream idle timeout, nothing is left.
            h.processWatermark(79_999 + STREAM_IDLE.toMillis() + 1_000);
            assertEquals(0, h.numKeyedStateEntries());
            assertEquals(0, h.numEventTimeTimers());
        }
    }

    @Test
    void hostCpuAndMemoryAreTheKernelsAndAnIdleProcessKeepsItsRssInEveryWindowUntilItExits() throws Exception {
        long mb300 = 300L << 20;
        try (var h = harness()) {
            // Window 1: the idle process's only sample (as the agent's initial reading), and two host
            // records: 1.5 s of busy CPU over 2 s, then 0.5 s over 2 s; memory is the later record's.
            send(h, memory("h1", -1, 1, 500, 200, "idle", mb300, mb300, 0),
                    host("h1", 2, 4_000, 1_500_000_000L, 2_000_000_000L, 8L << 30, 6L << 30),
                    host("h1", 3, 6_000, 500_000_000L, 2_000_000_000L, 8L << 30, 5L << 30));
            h.processWatermark(9_999);
            HostAggregate w1 = last(h);
            assertEquals(2_000_000_000L, w1.cpuBusyNs);
            assertEquals(4_000_000_000L, w1.cpuIntervalNs);
            assertEquals(50.0, w1.cpuBusyPct, 1e-12);
            assertEquals(8L << 30, w1.memTotalBytes);
            assertEquals(5L << 30, w1.memAvailableBytes);
            assertEquals(3L << 30, w1.memUsedBytes);
            assertEquals(mb300, w1.rssBytes);

            // Windows 2 and 3: no record of the process at all, yet it holds its memory.
            for (long end : new long[] {19_999, 29_999}) {
                send(h, host("h1", end / 10_000 + 3, end - 5_000, 100_000_000L, 10_000_000_000L, 8L << 30, 5L << 30));
                h.processWatermark(end);
                assertEquals(mb300, last(h).rssBytes, "window ending " + end);
                assertEquals(1, last(h).liveProcesses);
                ProcessAggregate p = lastProcess(h);
                assertEquals(end + 1 - 10_000, p.timestamp);
                assertEquals(200, p.pid);
                assertEquals("idle", p.comm);
                assertEquals(mb300, p.rssBytes);
                assertEquals(0, p.records);
            }

            // It exits in window 4: counted there, then gone; its carried sample goes with it, and so
            // does the sample the drain after its exit still read.
            send(h, exit("h1", 0, 1, 31_000, 200, "idle", 0, 0, 1), memory("h1", -1, 2, 32_000, 200, "idle", mb300, mb300, 0));
            h.processWatermark(39_999);
            assertEquals(mb300, last(h).rssBytes);
            send(h, host("h1", 7, 45_000, 1, 1, 8L << 30, 5L << 30));
            h.processWatermark(49_999);
            assertEquals(0, last(h).rssBytes);
            assertEquals(0, last(h).liveProcesses);
            int processDocs = WindowHarness.outputs(h, ProcessAggregate.KIND).size();
            assertEquals(4, processDocs, "one process document per window while it lived");
            h.processWatermark(49_999 + STREAM_IDLE.toMillis() + 1_000);
            assertEquals(0, h.numKeyedStateEntries());
            assertEquals(0, h.numEventTimeTimers());
        }
    }

    private static ProcessAggregate lastProcess(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h) {
        List<ProcessAggregate> out = WindowHarness.outputs(h, ProcessAggregate.KIND);
        return out.get(out.size() - 1);
    }
}
