package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import io.akmon.flink.testing.WindowHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.Records.disk;
import static io.akmon.flink.testing.Records.exec;
import static io.akmon.flink.testing.Records.exit;
import static io.akmon.flink.testing.Records.file;
import static io.akmon.flink.testing.Records.fileIo;
import static io.akmon.flink.testing.Records.fork;
import static io.akmon.flink.testing.Records.hist;
import static io.akmon.flink.testing.Records.initial;
import static io.akmon.flink.testing.Records.memory;
import static io.akmon.flink.testing.Records.net;
import static io.akmon.flink.testing.Records.oomKill;
import static io.akmon.flink.testing.Records.syscall;
import static io.akmon.flink.testing.Records.iface;
import static io.akmon.flink.testing.Records.udp;
import static io.akmon.flink.testing.WindowHarness.outputs;
import static io.akmon.flink.testing.WindowHarness.send;
import static io.akmon.flink.testing.WindowHarness.windowStateEntries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Process documents of the keyed operator (dedup, fold, emit), one per process and window. */
class ProcessWindowTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration LATENESS = Duration.ofSeconds(5);

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> harness() throws Exception {
        return WindowHarness.of(WINDOW, LATENESS);
    }

    /** Past the stream idle timeout (1 h): the hosts' deduplication and history state is gone too. */
    private static void assertDrained(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h) throws Exception {
        h.processWatermark(Duration.ofHours(2).toMillis());
        assertEquals(0, h.numKeyedStateEntries());
        assertEquals(0, h.numEventTimeTimers());
    }

    /** A whole process life inside one window, every family once or twice. */
    private static Event[] life() {
        return new Event[] {
            fork("h1", 0, 1, 1_000, 100, 1, "bash"),
            exec("h1", 0, 2, 1_500, 100, "nginx"),
            cpu("h1", -1, 1, 2_000, 100, "nginx", 300_000_000L),
            syscall("h1", -1, 2, 2_000, 100, "nginx", "read", 10, 1),
            syscall("h1", -1, 3, 2_000, 100, "nginx", "write", 3, 3),
            memory("h1", -1, 4, 3_000, 100, "nginx", 1_000, 1_500, 7),
            disk("h1", -1, 5, 3_000, 100, "nginx", "vda", "read", 4, 4_096, 40_000, hist(3, 4)),
            net("h1", 0, 3, 3_500, 100, "nginx", "connect", "c1", 0, 0, 0),
            syscall("h1", -1, 6, 4_000, 100, "nginx", "read", 5, 0),
            memory("h1", -1, 7, 6_000, 100, "nginx", 2_000, 2_500, 3),
            disk("h1", -1, 8, 6_000, 100, "nginx", "vda", "write", 2, 8_192, 3_000_000, hist(10, 2)),
            net("h1", -1, 9, 6_000, 100, "nginx", "stats", "c1", 100, 200, 1),
            cpu("h1", -1, 10, 8_000, 100, "nginx", 200_000_000L),
            net("h1", 1, 1, 8_500, 100, "nginx", "close", "c1", 50, 25, 0),
            oomKill("h1", 1, 2, 8_900, 100, "nginx", 2_000),
            exit("h1", 1, 3, 9_000, 100, "nginx", 137, 9, 8_000_000_000L),
            // Another host's process with the same pid is another key.
            cpu("h2", -1, 1, 2_000, 100, "other", 1_000_000_000L),
        };
    }

    @Test
    void emitsExactFiguresAndLeavesNoStateAfterTheProcessExits() throws Exception {
        try (var h = harness()) {
            send(h, life());
            assertTrue(h.extractOutputValues().isEmpty(), "nothing before the window closes");
            h.processWatermark(9_999);

            List<ProcessAggregate> out = outputs(h, ProcessAggregate.KIND);
            assertEquals(3, out.size(), "h1's pid 100, its parent pid 1 (it forked it) and h2's pid 100");
            ProcessAggregate p = (ProcessAggregate) out.stream().filter(a -> a.host.equals("h1") && a.pid == 100)
                    .findFirst().get();
            assertEquals("process/10s/h1/100/0", p.id);
            assertEquals("process", p.kind);
            assertEquals(0, p.timestamp);
            assertEquals(10_000, p.windowEnd);
            assertEquals(100, p.pid);
            assertEquals("nginx", p.comm);
            assertEquals(16, p.records);
            assertEquals(500_000_000L, p.onCpuNs);
            assertEquals(0.5, p.cpuSeconds, 1e-12);
            assertEquals(5.0, p.cpuPct, 1e-12);
            assertEquals(2_000L, p.rssBytes);
            assertEquals(2_500, p.rssMaxBytes);
            assertEquals(10, p.pageFaults);
            assertEquals(1, p.oomKills);
            assertEquals(18, p.syscallCount);
            assertEquals(4, p.syscallErrors);
            assertEquals(List.of(new SyscallCount("read", 15, 1), new SyscallCount("write", 3, 3)), p.syscalls);
            assertEquals(4_096, p.diskReadBytes);
            assertEquals(8_192, p.diskWriteBytes);
            assertEquals(4, p.diskReadOps);
            assertEquals(2, p.diskWriteOps);
            assertEquals(8, p.diskLatencyP50Us);      // 3rd of 6 requests: bucket 3, [4, 8) us
            assertEquals(1_024, p.diskLatencyP95Us);  // 6th of 6: bucket 10, [512, 1024) us
            assertEquals(1_024, p.diskLatencyP99Us);
            assertEquals(150, p.netBytesSent);
            assertEquals(225, p.netBytesReceived);
            assertEquals(15.0, p.netBytesSentPerSec, 1e-12);
            assertEquals(22.5, p.netBytesReceivedPerSec, 1e-12);
            assertEquals(1, p.netRetransmits);
            assertEquals(1, p.connectionsOpened);
            assertEquals(1, p.connectionsClosed);
            assertEquals(1, p.startedByFork);
            assertEquals(1, p.execs);
            assertTrue(p.exited);
            assertEquals(137, p.exitCode);
            assertEquals(9, p.exitSignal);
            assertEquals(8_000_000_000L, p.lifetimeNs);

            ProcessAggregate parent = out.stream().filter(a -> a.host.equals("h1") && a.pid == 1).findFirst().get();
            assertEquals(1, parent.childrenForked);
            assertEquals(0, parent.records);
            assertEquals(0, parent.startedByFork);
            assertEquals(1, p.startedByFork);
            assertEquals(0, p.childrenForked);
            assertEquals(1, p.ppid);
            assertEquals(1_000_000_123L, p.startTs);

            ProcessAggregate other = (ProcessAggregate) out.stream().filter(a -> a.host.equals("h2")).findFirst().get();
            assertEquals(10.0, other.cpuPct, 1e-12);   // 1 s on CPU in a 10 s window
            assertNull(other.rssBytes);
            assertEquals(false, other.exited);

            // Window state is kept through the allowed lateness, then nothing is left.
            assertTrue(windowStateEntries(h, "10s") > 0);
            h.processWatermark(9_999 + LATENESS.toMillis());
            assertEquals(0, windowStateEntries(h, "10s"));
            assertDrained(h);
        }
    }

    /**
     * Context on every document of a process: the exec's image and the fork's parent and start carried
     * into windows without them; a child that has not exec'd runs its parent's image; an older process
     * has the context the agent read from /proc. Children forked count each fork once, duplicates not.
     */
    @Test
    void everyDocumentOfAProcessCarriesItsContextAndItsParentCountsItsChildren() throws Exception {
        try (var h = harness()) {
            long procStart = 200_000_000L; // before the agent's start, at 500 ms
            send(h, initial("h1", 1, 500, 50, 1, "sshd", procStart, "0", "/usr/sbin/sshd", "sshd", "-D"),
                    fork("h1", 0, 1, 1_000, 100, 50, "sshd"),
                    exec("h1", 0, 2, 1_500, 100, 50, "bash", "1000", "/usr/bin/bash", "bash", "-l"),
                    fork("h1", 0, 3, 2_000, 101, 100, "bash"),
                    fork("h1", 0, 3, 2_000, 101, 100, "bash"),       // a duplicate counts once
                    fork("h1", 1, 1, 3_000, 102, 100, "bash"),
                    cpu("h1", -1, 2, 12_000, 100, "bash", 1_000_000L),
                    cpu("h1", -1, 3, 12_000, 101, "bash", 1_000_000L),
                    cpu("h1", -1, 4, 12_000, 50, "sshd", 1_000_000L));
            h.processWatermark(19_999);
            List<ProcessAggregate> out = outputs(h, ProcessAggregate.KIND);
            ProcessAggregate bash = doc(out, 100, 0);
            assertEquals(2, bash.childrenForked);
            assertEquals(1, bash.startedByFork);
            assertEquals(50, bash.ppid);
            assertEquals("/usr/bin/bash", bash.exe);
            assertEquals(List.of("bash", "-l"), bash.argv);
            assertEquals("1000", bash.uid);
            assertEquals("exec", bash.contextSource);
            assertEquals(1_000_000_123L, bash.startTs);
            ProcessAggregate later = doc(out, 100, 10_000);
            assertEquals(0, later.childrenForked);
            assertEquals("/usr/bin/bash", later.exe, "carried into a window without the exec");
            assertEquals(50, later.ppid);
            assertEquals(1_000_000_123L, later.startTs);
            ProcessAggregate child = doc(out, 101, 10_000);
            assertEquals(100, child.ppid);
            assertEquals("/usr/bin/bash", child.exe);
            assertEquals("parent", child.contextSource);
            ProcessAggregate sshd = doc(out, 50, 0);
            assertEquals(1, sshd.childrenForked);
            assertEquals("proc", sshd.contextSource);
            assertEquals("/usr/sbin/sshd", sshd.exe);
            assertEquals(procStart, sshd.startTs);
            assertEquals(1, sshd.ppid);
            assertEquals("proc", doc(out, 50, 10_000).contextSource);
            assertDrained(h);
        }
    }

    private static ProcessAggregate doc(List<ProcessAggregate> out, int pid, long start) {
        return out.stream().filter(a -> a.pid == pid && a.timestamp == start).reduce((a, b) -> b).orElseThrow(
                () -> new AssertionError("no document of pid " + pid + " at " + start + " in " + out.size()));
    }

    @Test
    void aLateRecordWithinTheLatenessUpdatesTheWindow() throws Exception {
        try (var h = harness()) {
            send(h, cpu("h1", -1, 1, 2_000, 7, "a", 100_000_000L));
            h.processWatermark(12_000);
            send(h, cpu("h1", -1, 2, 9_000, 7, "a", 50_000_000L));     // late but within 5 s
            List<ProcessAggregate> out = outputs(h, ProcessAggregate.KIND);
            assertEquals(2, out.size());
            assertEquals(out.get(0).id, out.get(1).id, "the update replaces the same document");
            assertEquals(100_000_000L, ((ProcessAggregate) out.get(0)).onCpuNs);
            assertEquals(150_000_000L, ((ProcessAggregate) out.get(1)).onCpuNs);
            h.processWatermark(15_000);
            assertEquals(0, windowStateEntries(h, "10s"));
            assertDrained(h);
        }
    }

    @Test
    void latestMemorySampleWinsRegardlessOfArrivalOrder() throws Exception {
        try (var h = harness()) {
            send(h, memory("h1", -1, 2, 6_000, 7, "a", 2_000, 2_000, 1),
                    memory("h1", -1, 1, 3_000, 7, "a", 9_000, 9_000, 1));
            h.processWatermark(9_999);
            ProcessAggregate p = WindowHarness.<ProcessAggregate>outputs(h, ProcessAggregate.KIND).get(0);
            assertEquals(2_000L, p.rssBytes);
            assertEquals(9_000, p.rssMaxBytes);
            assertEquals(2, p.pageFaults);
        }
    }

    @Test
    void fileChangesAreCountedPerOpWithTheirFailures() throws Exception {
        try (var h = harness()) {
            send(h, file("h1", 0, 1, 1_000, 100, "make", "create", "/src/a.o", 0));
            send(h, file("h1", 1, 1, 1_200, 100, "make", "create", "/src/b.o", 0));
            send(h, file("h1", 0, 2, 1_300, 100, "make", "unlink", "/src/missing", 2));
            send(h, file("h1", 0, 3, 1_400, 100, "make", "rename", "/src/a.o", 0));
            send(h, file("h1", 0, 3, 1_400, 100, "make", "rename", "/src/a.o", 0)); // a duplicate counts once
            send(h, file("h1", 1, 2, 11_000, 100, "make", "unlink", "/src/b.o", 0));
            send(h, fileIo("h1", 1, 2_000, 100, "make", "file", "read", 3, 12_288));
            send(h, fileIo("h1", 2, 2_000, 100, "make", "pipe", "write", 1, 5));
            send(h, fileIo("h1", 3, 3_000, 100, "make", "file", "read", 1, 100));
            h.processWatermark(25_000);
            List<ProcessAggregate> out = outputs(h, ProcessAggregate.KIND);
            assertEquals(2, out.size());
            ProcessAggregate first = out.get(0);
            assertEquals(4, first.fileOpCount);
            assertEquals(1, first.fileOpErrors);
            assertEquals(List.of(new SyscallCount("create", 2, 0), new SyscallCount("rename", 1, 0),
                    new SyscallCount("unlink", 1, 1)), first.fileOps);
            assertEquals(List.of(new SyscallCount("unlink", 1, 0)), out.get(1).fileOps);
            assertEquals(0, first.syscallCount, "file records are not syscall counts");
            assertEquals(12_388, first.fileReadBytes);
            assertEquals(4, first.fileReadOps);
            assertEquals(0, first.fileWriteBytes);
            assertEquals(5, first.pipeWriteBytes, "pipe bytes apart from file bytes");
            assertEquals(0, out.get(1).fileReadBytes);
            assertDrained(h);
        }
    }

    @Test
    void udpPairsAreSummedPerProcessPairAndHostApartFromTcp() throws Exception {
        try (var h = harness()) {
            send(h, udp("h1", -1, 1, 1_000, 100, "dig", "u1", 3, 120, 3, 900));
            send(h, udp("h1", -1, 2, 2_000, 100, "dig", "u1", 1, 40, 0, 0));
            send(h, udp("h1", -1, 2, 2_000, 100, "dig", "u1", 1, 40, 0, 0)); // a duplicate counts once
            send(h, udp("h1", -1, 3, 2_500, 100, "dig", "u2", 0, 0, 2, 64));
            send(h, net("h1", 0, 1, 1_500, 100, "dig", "stats", "t1", 10, 20, 0));
            h.processWatermark(25_000);
            ProcessAggregate p = WindowHarness.<ProcessAggregate>outputs(h, ProcessAggregate.KIND).get(0);
            assertEquals(List.of(4L, 160L, 5L, 964L), List.of(p.udpDatagramsSent, p.udpBytesSent, p.udpDatagramsReceived,
                    p.udpBytesReceived));
            assertEquals(10, p.netBytesSent, "net bytes stay TCP's");
            assertEquals(20, p.netBytesReceived);
            HostAggregate host = WindowHarness.<HostAggregate>outputs(h, HostAggregate.KIND).get(0);
            assertEquals(List.of(4L, 160L, 5L, 964L), List.of(host.udpDatagramsSent, host.udpBytesSent,
                    host.udpDatagramsReceived, host.udpBytesReceived));
            List<ConnectionAggregate> pairs = outputs(h, ConnectionAggregate.KIND);
            ConnectionAggregate u1 = pairs.stream().filter(c -> "u1".equals(c.conn)).findFirst().orElseThrow();
            assertEquals("udp", u1.proto);
            assertEquals(List.of(4L, 160L, 3L, 900L), List.of(u1.datagramsSent, u1.bytesSent, u1.datagramsReceived,
                    u1.bytesReceived));
            assertEquals(0, u1.opened);
            assertNull(u1.direction);
            assertEquals("tcp", pairs.stream().filter(c -> "t1".equals(c.conn)).findFirst().orElseThrow().proto);
            assertEquals(3, pairs.size());
            assertDrained(h);
        }
    }

    @Test
    void interfaceCountersAreSummedPerInterfaceAndWindowIntoDocumentsOfTheirOwn() throws Exception {
        try (var h = harness()) {
            send(h, iface("h1", 1, 1_000, "eth0", 1_000, 2_000, 10, 20, 1, 0, 0, 2));
            send(h, iface("h1", 2, 2_000, "eth0", 500, 0, 5, 0, 0, 0, 0, 0));
            send(h, iface("h1", 2, 2_000, "eth0", 500, 0, 5, 0, 0, 0, 0, 0)); // a duplicate counts once
            send(h, iface("h1", 3, 2_000, "lo", 64, 64, 1, 1, 0, 0, 0, 0));
            send(h, iface("h1", 4, 11_000, "eth0", 7, 0, 1, 0, 0, 0, 0, 0));
            h.processWatermark(25_000);
            List<InterfaceAggregate> out = outputs(h, InterfaceAggregate.KIND);
            InterfaceAggregate eth0 = out.stream().filter(a -> "eth0".equals(a.device) && a.timestamp == 0).findFirst().orElseThrow();
            assertEquals(List.of(1_500L, 2_000L, 15L, 20L, 1L, 0L, 0L, 2L), List.of(eth0.rxBytes, eth0.txBytes, eth0.rxPackets,
                    eth0.txPackets, eth0.rxDropped, eth0.txDropped, eth0.rxErrors, eth0.txErrors));
            assertEquals(150.0, eth0.rxBytesPerSec);
            assertEquals(3, out.size(), "eth0 and lo in the first window, eth0 in the second: " + out.size());
            assertEquals(7, out.stream().filter(a -> a.timestamp == 10_000).findFirst().orElseThrow().rxBytes);
            assertTrue(outputs(h, ConnectionAggregate.KIND).isEmpty(), "interfaces are not connections");
            assertTrue(outputs(h, ProcessAggregate.KIND).isEmpty(), "nor processes");
            assertDrained(h);
        }
    }
}
