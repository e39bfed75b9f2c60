package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import io.akmon.flink.testing.WindowHarness;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.Records.disk;
import static io.akmon.flink.testing.Records.exec;
import static io.akmon.flink.testing.Records.exit;
import static io.akmon.flink.testing.Records.fork;
import static io.akmon.flink.testing.Records.hist;
import static io.akmon.flink.testing.Records.memory;
import static io.akmon.flink.testing.Records.net;
import static io.akmon.flink.testing.Records.syscall;
import static io.akmon.flink.testing.WindowHarness.outputs;
import static io.akmon.flink.testing.WindowHarness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session documents of the keyed operator: one per process life, emitted when it exits and at each 1 min
 * roll-up while it lives, always under the same id, with totals equal to the sum of its 10 s windows.
 */
class ProcessSessionTest {
    private static final List<Duration> SIZES = List.of(Duration.ofSeconds(10), Duration.ofMinutes(1));
    private static final Duration LATENESS = Duration.ofSeconds(5);

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> harness(StateBackend backend)
            throws Exception {
        return WindowHarness.of(SIZES, LATENESS, Duration.ofMinutes(10), Duration.ofHours(1), backend);
    }

    private static void assertDrained(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h) throws Exception {
        h.processWatermark(Duration.ofHours(3).toMillis());
        assertEquals(0, WindowHarness.allStateEntries(h, "10s", "1m"), "state drained");
        assertEquals(0, h.numEventTimeTimers(), "timers drained");
    }

    /** A life across three 10 s windows: fork, exec, figures in every window, exit with a signal. */
    private static Event[] life() {
        return new Event[] {
            fork("h1", 0, 1, 1_000, 100, 1, "bash"),
            exec("h1", 0, 2, 1_500, 100, 1, "worker", "1000", "/usr/bin/worker", "worker", "--fast"),
            cpu("h1", -1, 1, 2_000, 100, "worker", 300_000_000L),
            syscall("h1", -1, 2, 2_000, 100, "worker", "read", 10, 1),
            memory("h1", -1, 3, 3_000, 100, "worker", 1_000, 1_500, 7),
            disk("h1", -1, 4, 4_000, 100, "worker", "vda", "read", 4, 4_096, 40_000, hist(3, 4)),
            net("h1", 0, 3, 5_000, 100, "worker", "connect", "c1", 0, 0, 0),
            fork("h1", 0, 4, 6_000, 101, 100, "worker"),
            cpu("h1", -1, 5, 12_000, 100, "worker", 200_000_000L),
            syscall("h1", -1, 6, 12_000, 100, "worker", "read", 5, 0),
            syscall("h1", -1, 7, 12_000, 100, "worker", "write", 3, 3),
            memory("h1", -1, 8, 13_000, 100, "worker", 9_000, 9_500, 2),
            net("h1", -1, 9, 14_000, 100, "worker", "stats", "c1", 100, 200, 1),
            fork("h1", 1, 1, 15_000, 102, 100, "worker"),
            disk("h1", -1, 10, 22_000, 100, "worker", "vda", "write", 2, 8_192, 3_000_000, hist(10, 2)),
            net("h1", 1, 2, 23_000, 100, "worker", "close", "c1", 50, 25, 0),
            cpu("h1", -1, 11, 24_000, 100, "worker", 100_000_000L),
            exit("h1", 1, 3, 25_000, 100, "worker", 0, 9, 24_000_000_000L),
        };
    }

    @Test
    void aProcessThatExitsGetsOneSessionEqualToTheSumOfItsWindows() throws Exception {
        for (StateBackend backend : new StateBackend[] {null, new EmbeddedRocksDBStateBackend()}) {
            try (var h = harness(backend)) {
                send(h, life());
                h.processWatermark(29_999);   // the exit window is emitted: the session ends
                List<SessionAggregate> sessions = outputs(h, SessionAggregate.KIND);
                List<SessionAggregate> worker = sessions.stream().filter(s -> s.pid == 100).toList();
                assertEquals(1, worker.size(), "one document at the exit: " + sessions);
                SessionAggregate s = worker.get(0);
                assertEquals("session/lifetime/h1/100/0", s.id);
                assertEquals("lifetime", s.resolution);
                assertEquals(0, s.timestamp);
                assertEquals(30_000, s.windowEnd);
                assertEquals("worker", s.comm);
                assertEquals(1, s.ppid);
                assertEquals("/usr/bin/worker", s.exe);
                assertEquals(List.of("worker", "--fast"), s.argv);
                assertEquals("1000", s.uid);
                assertEquals("exec", s.contextSource);
                assertEquals(1_000_000_123L, s.startTs);
                assertEquals(25_000_000_123L, s.endTs);
                assertTrue(s.exited);
                assertEquals(0, s.exitCode);
                assertEquals(9, s.exitSignal);
                assertEquals(false, s.coreDumped);
                assertEquals(24_000_000_000L, s.lifetimeNs);
                assertEquals(600_000_000L, s.onCpuNs);
                assertEquals(0.6, s.cpuSeconds, 1e-12);
                assertEquals(9_500, s.rssMaxBytes);
                assertEquals(9, s.pageFaults);
                assertEquals(4_096, s.diskReadBytes);
                assertEquals(8_192, s.diskWriteBytes);
                assertEquals(4, s.diskReadOps);
                assertEquals(2, s.diskWriteOps);
                assertEquals(150, s.netBytesSent);
                assertEquals(225, s.netBytesReceived);
                assertEquals(1, s.netRetransmits);
                assertEquals(1, s.connectionsOpened);
                assertEquals(1, s.connectionsClosed);
                assertEquals(18, s.syscallCount);
                assertEquals(4, s.syscallErrors);
                assertEquals(List.of(new SyscallCount("read", 15, 1), new SyscallCount("write", 3, 3)), s.topSyscalls);
                assertEquals(2, s.childrenForked);
                assertEquals(1, s.execs);
                assertEquals(1.0, s.coverage);

                // Every total is the sum (rss_max_bytes the max) of the process's 10 s documents.
                List<ProcessAggregate> windows = WindowHarness.<ProcessAggregate>outputs(h, ProcessAggregate.KIND).stream()
                        .filter(p -> p.pid == 100 && p.resolution.equals("10s")).toList();
                assertEquals(3, windows.size());
                assertEquals(windows.stream().mapToLong(p -> p.records).sum(), s.records);
                assertEquals(windows.stream().mapToLong(p -> p.onCpuNs).sum(), s.onCpuNs);
                assertEquals(windows.stream().mapToLong(p -> p.pageFaults).sum(), s.pageFaults);
                assertEquals(windows.stream().mapToLong(p -> p.rssMaxBytes).max().getAsLong(), s.rssMaxBytes);
                assertEquals(windows.stream().mapToLong(p -> p.diskReadBytes + p.diskWriteBytes).sum(),
                        s.diskReadBytes + s.diskWriteBytes);
                assertEquals(windows.stream().mapToLong(p -> p.netBytesSent).sum(), s.netBytesSent);
                assertEquals(windows.stream().mapToLong(p -> p.syscallCount).sum(), s.syscallCount);
                assertEquals(windows.stream().mapToLong(p -> p.childrenForked).sum(), s.childrenForked);
                assertDrained(h);
                // The parent known only from its child's fork, and the children, have sessions of their own.
                Set<Integer> pids = outputs(h, SessionAggregate.KIND).stream().map(a -> ((SessionAggregate) a).pid)
                        .collect(Collectors.toCollection(TreeSet::new));
                assertEquals(Set.of(1, 100, 101, 102), pids);
                assertEquals(1, outputs(h, SessionAggregate.KIND).stream().filter(a -> a.id.equals(s.id)).count(),
                        "the exited session is not emitted again");
            }
        }
    }

    @Test
    void aLongLivedProcessIsUpdatedInPlaceAtEachRollUp() throws Exception {
        try (var h = harness(null)) {
            for (int minute = 0; minute < 3; minute++) {
                send(h, cpu("h1", -1, minute + 1, minute * 60_000L + 5_000, 7, "daemon", 1_000_000L * (minute + 1)));
                h.processWatermark(minute * 60_000L + 59_999);
            }
            List<SessionAggregate> docs = outputs(h, SessionAggregate.KIND);
            assertEquals(3, docs.size(), "one per roll-up: " + docs);
            for (int i = 0; i < 3; i++) {
                assertEquals("session/lifetime/h1/7/0", docs.get(i).id, "the same document");
                assertFalse(docs.get(i).exited);
                assertNull(docs.get(i).endTs);
                assertEquals(i + 1, docs.get(i).records);
            }
            assertEquals(6_000_000L, docs.get(2).onCpuNs);
            assertEquals(130_000, docs.get(2).windowEnd, "up to the latest window with a record");
            // Quiet minutes change nothing: no new document.
            h.processWatermark(4 * 60_000L - 1);
            assertEquals(3, outputs(h, SessionAggregate.KIND).size());
            assertDrained(h);
        }
    }

    @Test
    void aReusedPidStartsANewSession() throws Exception {
        try (var h = harness(null)) {
            send(h, fork("h1", 0, 1, 1_000, 9, 1, "a"), exit("h1", 0, 2, 2_000, 9, "a", 0, 0, 1_000_000_000L),
                    fork("h1", 0, 3, 12_000, 9, 1, "b"), cpu("h1", -1, 1, 13_000, 9, "b", 5L));
            h.processWatermark(59_999);
            List<SessionAggregate> docs = WindowHarness.<SessionAggregate>outputs(h, SessionAggregate.KIND).stream()
                    .filter(s -> s.pid == 9).toList();
            assertEquals(List.of("session/lifetime/h1/9/0", "session/lifetime/h1/9/10000"),
                    docs.stream().map(d -> d.id).toList());
            assertTrue(docs.get(0).exited);
            assertEquals(2, docs.get(0).records);
            assertEquals(2, docs.get(1).records);
            assertEquals(5L, docs.get(1).onCpuNs);
            assertDrained(h);
        }
    }
}
