package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Workloads whose kernel-visible effects are known exactly; the agent must report exactly those. */
class KernelCountsIT {

    @Test
    void aThreadMakingKGetppidCallsCountsExactlyK() {
        long k = 123_457;
        try (Workload w = Workload.start("getppid", Long.toString(k))) {
            TracedRun run = TracedRun.of(w);
            try {
                List<Event> getppid = run.events(EventType.SYSCALL).stream()
                        .filter(e -> e.pid() == w.pid() && "getppid".equals(e.getString(Fields.SYSCALL))).toList();
                assertEquals(k, getppid.stream().mapToLong(e -> e.getLong(Fields.COUNT)).sum());
                assertEquals(0, getppid.stream().mapToLong(e -> e.getLong(Fields.ERRORS)).sum());
                assertEquals(110, getppid.get(0).getLong(Fields.SYSCALL_NR));
                assertTrue(run.events(EventType.LOST).isEmpty(), run.events(EventType.LOST).toString());
            } finally {
                run.close();
            }
        }
    }

    @Test
    void syscallSamplingWeighsEachSampledCall(@TempDir Path dir) {
        long k = 100_000;
        try (Workload w = Workload.start("getppid", Long.toString(k))) {
            TracedRun run = TracedRun.of(w, s -> s.syscallSampleRate = 10);
            try {
                List<Event> getppid = run.events(EventType.SYSCALL).stream()
                        .filter(e -> e.pid() == w.pid() && "getppid".equals(e.getString(Fields.SYSCALL))).toList();
                long counted = getppid.stream().mapToLong(e -> e.getLong(Fields.COUNT)).sum();
                // 1 in 10 of all the process's syscalls is sampled; the weighted count is within a few samples of K
                assertEquals(k, counted, 30 * 10, "weighted count " + counted);
                assertEquals(0, counted % 10);
                assertEquals(10L, getppid.get(0).getLong(Fields.SAMPLE_RATE));
            } finally {
                run.close();
            }
        }
    }

    @Test
    void writingBBytesWithODirectGivesExactlyBDiskBytes(@TempDir Path dir) throws Exception {
        long bytes = 3 * 1024 * 1024 + 4096 * 5;
        Path file = dir.resolve("odirect.dat");
        try (Workload w = Workload.start("odirect", file.toString(), Long.toString(bytes))) {
            TracedRun run = TracedRun.of(w);
            try {
                List<Event> writes = run.events(EventType.DISK).stream()
                        .filter(e -> e.pid() == w.pid() && "write".equals(e.getString(Fields.OP))).toList();
                assertEquals(bytes, writes.stream().mapToLong(e -> e.getLong(Fields.BYTES)).sum());
                long ops = writes.stream().mapToLong(e -> e.getLong(Fields.OPS)).sum();
                long histogramOps = writes.stream().mapToLong(e -> java.util.Arrays.stream((long[]) e.get(Fields.LATENCY_HIST_US)).sum()).sum();
                assertTrue(ops > 0);
                assertEquals(ops, histogramOps, "every completed request is in the latency histogram");
                String device = writes.get(0).getString(Fields.DEVICE);
                assertTrue(Files.exists(Path.of("/sys/class/block", device)), "device " + device);
                assertEquals(0, run.events(EventType.DISK).stream()
                        .filter(e -> e.pid() == w.pid() && "read".equals(e.getString(Fields.OP)))
                        .mapToLong(e -> e.getLong(Fields.BYTES)).sum(), "O_DIRECT writes read nothing");
            } finally {
                run.close();
            }
        }
    }

    @Test
    void aLoopbackTransferOfBBytesIsSentAndReceivedExactly() {
        long bytes = 5_000_003;
        try (Workload w = Workload.start("tcp", Long.toString(bytes))) {
            TracedRun run = TracedRun.attach(w, s -> { });
            String[] ports;
            try {
                ports = w.go().split(" ");
                run.finishAndDrain();
                int clientPort = Integer.parseInt(ports[0]);
                int serverPort = Integer.parseInt(ports[1]);
                List<Event> net = run.events(EventType.NET).stream().filter(e -> e.pid() == w.pid()).toList();

                List<Event> client = net.stream().filter(e -> e.getLong(Fields.SPORT) == clientPort).toList();
                List<Event> server = net.stream().filter(e -> e.getLong(Fields.SPORT) == serverPort
                        && e.getLong(Fields.DPORT) == clientPort).toList();
                assertEquals(bytes, sum(client, Fields.BYTES_SENT), "client sent");
                assertEquals(0, sum(client, Fields.BYTES_RECEIVED), "client received");
                assertEquals(bytes, sum(server, Fields.BYTES_RECEIVED), "server received");
                assertEquals(0, sum(server, Fields.BYTES_SENT), "server sent");

                assertEquals(1, count(client, "connect"), "client connect record");
                assertEquals(1, count(client, "close"), "client close record");
                assertEquals(1, count(server, "accept"), "server accept record");
                assertEquals(1, count(server, "close"), "server close record");
                Event connect = client.stream().filter(e -> "connect".equals(e.getString(Fields.EVENT))).findFirst().orElseThrow();
                assertEquals("127.0.0.1", connect.getString(Fields.SADDR));
                assertEquals("127.0.0.1", connect.getString(Fields.DADDR));
                assertEquals((long) serverPort, connect.getLong(Fields.DPORT));
                assertEquals(4L, connect.getLong(Fields.FAMILY));
            } finally {
                run.close();
            }
        }
    }

    private static long sum(List<Event> events, String field) {
        return events.stream().filter(e -> e.get(field) != null).mapToLong(e -> e.getLong(field)).sum();
    }

    private static long count(List<Event> events, String event) {
        return events.stream().filter(e -> event.equals(e.getString(Fields.EVENT))).count();
    }
}
