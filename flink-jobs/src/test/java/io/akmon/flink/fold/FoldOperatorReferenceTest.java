package io.akmon.flink.fold;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.WindowHarness;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.Records.disk;
import static io.akmon.flink.testing.Records.exec;
import static io.akmon.flink.testing.Records.exit;
import static io.akmon.flink.testing.Records.file;
import static io.akmon.flink.testing.Records.fileIo;
import static io.akmon.flink.testing.Records.fork;
import static io.akmon.flink.testing.Records.hist;
import static io.akmon.flink.testing.Records.lost;
import io.akmon.flink.testing.Records;

import static io.akmon.flink.testing.Records.memory;
import static io.akmon.flink.testing.Records.net;
import static io.akmon.flink.testing.Records.oomKill;
import static io.akmon.flink.testing.Records.syscall;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keyed operator against a straightforward reference written here: a shuffled, duplicated stream of
 * many hosts whose CPUs deliver out of order (and with gaps) must give, for every document id, a last
 * version equal field by field to what the reference computes from the unique records alone. Also across
 * a snapshot and restore in the middle of the stream, on both state backends; state and timers drain.
 */
class FoldOperatorReferenceTest {
    private static final long W = 10_000;
    private static final long R = 60_000;
    private static final Duration LATENESS = Duration.ofSeconds(5);
    private static final long DISORDER = 4_000;
    private static final String[] SYSCALLS = {"read", "write", "openat", "futex", "close"};

    /** Unique records in event-time order per stream, and the send order (shuffled, with duplicates). */
    private final List<Event> unique = new ArrayList<>();
    private final List<Event> sends = new ArrayList<>();

    FoldOperatorReferenceTest() {
        Random rnd = new Random(12);
        List<Event> all = new ArrayList<>();
        long t0 = 1_767_225_600_000L;
        for (int hi = 0; hi < 7; hi++) {
            String host = "host-" + hi;
            for (int pi = 0; pi < 9; pi++) {
                int pid = 100 + pi * 7 + hi;
                String comm = "p" + pi;
                long start = t0 + rnd.nextInt(30_000);
                long end = pi % 3 == 0 ? start + 20_000 + rnd.nextInt(60_000) : t0 + 150_000;
                all.add(fork(host, rnd.nextInt(4), 0, start, pid, 1, comm));
                all.add(exec(host, rnd.nextInt(4), 0, start + 3, pid, comm + "x"));
                String conn = "c" + hi + "-" + pi;
                all.add(net(host, rnd.nextInt(4), 0, start + 5, pid, comm, pi % 2 == 0 ? "connect" : "accept", conn, 0, 0, 0));
                // file changes at fixed offsets (no draws from rnd): creates, a failed unlink, a rename
                all.add(file(host, pi % 4, 0, start + 7, pid, comm, "create", "/w/" + pid, 0));
                all.add(file(host, (pi + 1) % 4, 0, start + 11_000, pid, comm, "create", "/w/" + pid + "b", 0));
                all.add(file(host, pi % 4, 0, start + 11_001, pid, comm, "unlink", "/w/none", pi % 2 == 0 ? 2 : 0));
                all.add(file(host, pi % 4, 0, start + 14_000, pid, comm, "rename", "/w/" + pid, 0));
                all.add(fileIo(host, 0, start + 2_000, pid, comm, "file", "read", 3, 4096L * (pi + 1)));
                all.add(fileIo(host, 0, start + 2_000, pid, comm, pi % 2 == 0 ? "pipe" : "socket", "write", 1, 17));
                all.add(fileIo(host, 0, start + 12_000, pid, comm, "file", "write", 2, 100L + hi));
                // a UDP pair per process, at fixed offsets too
                all.add(Records.udp(host, 0, 0, start + 3_000, pid, comm, "u" + hi + "-" + pi, 2, 50L + pi, 1, 30L + hi));
                all.add(Records.udp(host, 1, 0, start + 13_000, pid, comm, "u" + hi + "-" + pi, 1, 7, 0, 0));
                for (long t = start + 500; t < end; t += 700 + rnd.nextInt(600)) {
                    int cpu = rnd.nextInt(4);
                    switch (rnd.nextInt(7)) {
                        case 0 -> all.add(cpu(host, cpu, 0, t, pid, comm, rnd.nextInt(900_000_000)));
                        case 1 -> all.add(syscall(host, cpu, 0, t, pid, comm, SYSCALLS[rnd.nextInt(5)], 1 + rnd.nextInt(90),
                                rnd.nextInt(3)));
                        case 2 -> all.add(rnd.nextInt(15) == 0 ? oomKill(host, cpu, 0, t, pid, comm, 4096)
                                : memory(host, cpu, 0, t, pid, comm, 4096L * rnd.nextInt(5000), 4096L * rnd.nextInt(6000),
                                rnd.nextInt(50)));
                        case 3 -> all.add(disk(host, cpu, 0, t, pid, comm, "vd" + (char) ('a' + rnd.nextInt(3)),
                                rnd.nextBoolean() ? "read" : "write", 1 + rnd.nextInt(9), 512L * rnd.nextInt(100),
                                rnd.nextInt(1_000_000), hist(rnd.nextInt(20), 1 + rnd.nextInt(9))));
                        case 4 -> all.add(net(host, cpu, 0, t, pid, comm, "stats", conn, rnd.nextInt(10_000),
                                rnd.nextInt(10_000), rnd.nextInt(3)));
                        case 5 -> all.add(lost(host, 0, t, rnd.nextBoolean() ? "syscall_map" : "output", 1 + rnd.nextInt(4)));
                        default -> all.add(cpu(host, cpu, 0, t, pid, comm, rnd.nextInt(5_000_000)));
                    }
                }
                if (pi % 3 == 0) {
                    all.add(net(host, rnd.nextInt(4), 0, end - 2, pid, comm, "close", conn, rnd.nextInt(99), 1, 0));
                    all.add(exit(host, rnd.nextInt(4), 0, end, pid, comm, rnd.nextInt(3), pi % 2 == 0 ? 0 : 9,
                            (end - start) * 1_000_000L));
                }
            }
        }
        // The host's /proc/stat and /proc/meminfo readings, one per second (their own random stream).
        Random hostRnd = new Random(19);
        for (int hi = 0; hi < 7; hi++) {
            for (long t = t0 + 1_000; t < t0 + 150_000; t += 1_000) {
                all.add(Records.host("host-" + hi, 0, t, hostRnd.nextInt(2_000_000_000), 1_000_000_000L,
                        24L << 30, (long) hostRnd.nextInt(1 << 20) << 12));
            }
        }
        // Sequence numbers per (host, boot, cpu) in event-time order; about 2% of them lost on the way.
        all.sort(Comparator.comparingLong((Event e) -> e.ts).thenComparing(e -> e.host).thenComparingInt(e -> e.pid));
        Map<String, Long> seqs = new HashMap<>();
        for (Event e : all) {
            e.seq = seqs.merge(e.streamKey(), 1L, Long::sum);
            if (rnd.nextInt(50) != 0 || e.type.equals("fork") || e.type.equals("exit")) {
                unique.add(e);
            }
        }
        // Delivered up to DISORDER late, 10% twice; each host's CPUs therefore out of order.
        record Send(double at, Event e) { }
        List<Send> order = new ArrayList<>();
        for (Event e : unique) {
            order.add(new Send(e.timestampMillis() + rnd.nextDouble() * DISORDER, e));
            if (rnd.nextInt(10) == 0) {
                order.add(new Send(e.timestampMillis() + rnd.nextDouble() * DISORDER, e));
            }
        }
        order.sort(Comparator.comparingDouble(Send::at));
        order.forEach(s -> sends.add(s.e()));
    }

    /** Feeds the stream with a watermark DISORDER behind, snapshotting and restoring once halfway. */
    private Map<String, JsonNode> run(StateBackend backend) throws Exception {
        List<Duration> sizes = List.of(Duration.ofMillis(W), Duration.ofMillis(R));
        Map<String, JsonNode> last = new TreeMap<>();
        KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = WindowHarness.of(sizes, LATENESS,
                Duration.ofMinutes(10), Duration.ofHours(1), backend);
        long maxTs = Long.MIN_VALUE;
        long watermark = Long.MIN_VALUE;
        for (int i = 0; i < sends.size(); i++) {
            Event e = sends.get(i);
            h.processElement(e, e.timestampMillis());
            maxTs = Math.max(maxTs, e.timestampMillis());
            if (i % 50 == 0 && maxTs - DISORDER - 1 > watermark) {
                watermark = maxTs - DISORDER - 1;
                h.processWatermark(watermark);
            }
            if (i == sends.size() / 2) {
                collect(h, last);
                OperatorSubtaskState snapshot = h.snapshot(1, 1);
                h.close();
                h = WindowHarness.of(sizes, LATENESS, Duration.ofMinutes(10), Duration.ofHours(1), backend, snapshot);
            }
        }
        h.processWatermark(Long.MAX_VALUE - 1);
        collect(h, last);
        assertEquals(0, h.getSideOutput(FoldOperator.LATE) == null ? 0 : h.getSideOutput(FoldOperator.LATE).size());
        // The final watermark passes every window's lateness and every host's stream idle timeout.
        assertEquals(0, WindowHarness.allStateEntries(h, "10s", "1m"), "state drained");
        assertEquals(0, h.numEventTimeTimers(), "timers drained");
        h.close();
        return last;
    }

    private static void collect(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h,
                                Map<String, JsonNode> last) {
        for (Aggregate a : h.extractOutputValues()) {
            last.put(a.id, Json.MAPPER.valueToTree(a));
        }
    }

    @Test
    void everyDocumentMatchesTheReferenceFieldByFieldOnBothBackends() throws Exception {
        Map<String, ObjectNode> expected = new ReferenceAggregation(unique).documents(W, "10s");
        expected.putAll(new ReferenceAggregation(unique).sessions(expected));
        expected.putAll(new ReferenceAggregation(unique).documents(R, "1m"));
        assertTrue(expected.size() > 500, "a stream of some size: " + expected.size());
        for (StateBackend backend : new StateBackend[] {null, new EmbeddedRocksDBStateBackend()}) {
            Map<String, JsonNode> actual = run(backend);
            Set<String> missing = new java.util.TreeSet<>(expected.keySet());
            missing.removeAll(actual.keySet());
            Set<String> extra = new java.util.TreeSet<>(actual.keySet());
            extra.removeAll(expected.keySet());
            assertTrue(missing.isEmpty() && extra.isEmpty(), "one document per id; missing "
                    + missing.stream().limit(5).toList() + " (" + missing.size() + "), unexpected "
                    + extra.stream().limit(5).toList() + " (" + extra.size() + ")");
            for (Map.Entry<String, ObjectNode> doc : expected.entrySet()) {
                JsonNode a = actual.get(doc.getKey());
                List<String> fields = new ArrayList<>();
                a.fieldNames().forEachRemaining(fields::add);
                List<String> want = new ArrayList<>();
                doc.getValue().fieldNames().forEachRemaining(want::add);
                Collections.sort(fields);
                Collections.sort(want);
                assertEquals(want, fields, doc.getKey() + " fields");
                for (String f : want) {
                    JsonNode x = doc.getValue().get(f);
                    JsonNode y = a.get(f);
                    assertTrue(x.equals(FoldOperatorReferenceTest::compareValues, y),
                            doc.getKey() + " " + f + ": expected " + x + ", got " + y);
                }
            }
        }
    }

    /** Numbers by value (integers exactly, others to 1e-9 relative), everything else as Jackson compares it. */
    private static int compareValues(JsonNode x, JsonNode y) {
        if (x.isNumber() && y.isNumber()) {
            if (x.isIntegralNumber() && y.isIntegralNumber()) {
                return Long.compare(x.asLong(), y.asLong());
            }
            double a = x.asDouble();
            double b = y.asDouble();
            return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)) ? 0 : Double.compare(a, b);
        }
        return x.equals(y) ? 0 : 1;
    }
}
