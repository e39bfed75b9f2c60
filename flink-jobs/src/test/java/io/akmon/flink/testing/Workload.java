package io.akmon.flink.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.flink.ingest.Event;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.Records.disk;
import static io.akmon.flink.testing.Records.exec;
import static io.akmon.flink.testing.Records.exit;
import static io.akmon.flink.testing.Records.fork;
import static io.akmon.flink.testing.Records.hist;
import static io.akmon.flink.testing.Records.lost;
import static io.akmon.flink.testing.Records.memory;
import static io.akmon.flink.testing.Records.net;
import static io.akmon.flink.testing.Records.syscall;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A generated multi-host stream with known totals: processes that fork, exec, run, do I/O and some
 * exit; per-CPU sequence numbers with some records lost (gaps) and some loss reports; sent out of
 * order (up to 2 s) and with duplicates (up to 8 s behind the original). The expected aggregates are
 * computed here directly from the records, independently of the job's code.
 */
public final class Workload {
    /** 2026-01-01T00:00:00Z: windows of 10 s and 1 min align on it. */
    public static final long T0 = 1_767_225_600_000L;
    public static final long SPAN = 80_000;
    public static final long WINDOW = 10_000;
    public static final long ROLLUP = 60_000;
    private static final String[] SYSCALLS = {"read", "write", "openat", "futex"};

    /** Every record the agent produced once and that reached Kafka (lost ones are not here). */
    public final List<Event> unique = new ArrayList<>();
    /** What is written to Kafka, in order: unique records out of order, plus duplicates. */
    public final List<Event> sendOrder = new ArrayList<>();
    public final Map<String, long[]> processLife = new HashMap<>();

    public Workload(int hosts, int processesPerHost, long seed) {
        Random rnd = new Random(seed);
        List<Event> all = new ArrayList<>();
        for (int hi = 0; hi < hosts; hi++) {
            String host = "host-" + hi;
            for (int pi = 0; pi < processesPerHost; pi++) {
                int pid = 1000 + pi;
                String comm = "proc" + pi;
                long start = T0 + rnd.nextInt(20_000);
                boolean exits = pi % 2 == 0;
                long end = exits ? T0 + 40_000 + rnd.nextInt(35_000) : T0 + SPAN;
                processLife.put(host + "|" + pid, new long[] {start, exits ? end : Long.MAX_VALUE});
                all.add(fork(host, rnd.nextInt(2), 0, start, pid, 1, comm));
                all.add(exec(host, rnd.nextInt(2), 0, start + 1, pid, 1, comm, "1000", "/usr/bin/" + comm, comm,
                        "--id", Integer.toString(pid)));
                String conn = Integer.toHexString(hi * 1000 + pid);
                all.add(net(host, rnd.nextInt(2), 0, start + 2_000, pid, comm, "connect", conn, 0, 0, 0));
                int tick = 0;
                for (long t = start + 1_000; t < end; t += 1_000, tick++) {
                    all.add(cpu(host, -1, 0, t, pid, comm, rnd.nextInt(1_000_000_000)));
                    for (int k = 0; k < 2; k++) {
                        long count = 1 + rnd.nextInt(500);
                        all.add(syscall(host, -1, 0, t, pid, comm, SYSCALLS[rnd.nextInt(SYSCALLS.length)],
                                count, rnd.nextInt((int) count)));
                    }
                    if (tick % 2 == 0) {
                        long rss = (1 + rnd.nextInt(1000)) * 4096L;
                        all.add(memory(host, -1, 0, t, pid, comm, rss, rss + 4096, rnd.nextInt(100)));
                    }
                    if (tick % 5 == 0) {
                        long ops = 1 + rnd.nextInt(50);
                        all.add(disk(host, -1, 0, t, pid, comm, "vd" + (char) ('a' + rnd.nextInt(2)),
                                tick % 10 == 0 ? "read" : "write", ops, ops * 4096, ops * 250_000,
                                hist(5 + rnd.nextInt(10), ops)));
                    }
                    // UDP, file changes and file bytes at fixed ticks (no draws from rnd)
                    if (tick % 4 == 1) {
                        all.add(Records.udp(host, -1, 0, t, pid, comm, "u" + conn, 2, 100L + tick, 1, 50));
                    }
                    if (tick % 6 == 2) {
                        all.add(Records.file(host, tick % 2, 0, t, pid, comm, tick % 12 == 2 ? "create" : "unlink",
                                "/var/lib/" + comm + "/f" + tick, tick % 24 == 8 ? 2 : 0));
                        all.add(Records.fileIo(host, 0, t, pid, comm, "file", tick % 12 == 2 ? "read" : "write", 2, 8192));
                    }
                    if (tick % 3 == 0 && t > start + 2_000) {
                        all.add(net(host, -1, 0, t, pid, comm, "stats", conn, rnd.nextInt(100_000),
                                rnd.nextInt(100_000), rnd.nextInt(3)));
                    }
                }
                if (exits) {
                    all.add(net(host, rnd.nextInt(2), 0, end - 1, pid, comm, "close", conn, rnd.nextInt(1000),
                            rnd.nextInt(1000), 0));
                    all.add(exit(host, rnd.nextInt(2), 0, end, pid, comm, rnd.nextInt(3), 0, (end - start) * 1_000_000L));
                }
            }
            for (long t = T0 + 1_000; t < T0 + SPAN; t += 1_000) { // the host's interface counters, per drain
                all.add(Records.iface(host, 0, t, "eth0", 1500L * (hi + 1), 700, 3, 2, t % 7_000 == 0 ? 1 : 0, 0, 0, 0));
            }
            for (long t = T0 + 5_000; t < T0 + SPAN; t += 20_000) {
                all.add(lost(host, 0, t, "syscall_map", 1 + rnd.nextInt(20)));
            }
        }
        // Sequence numbers per (host, cpu) in event-time order, then drop ~1% of the interval records.
        all.sort(Comparator.comparingLong((Event e) -> e.ts).thenComparing(e -> e.host).thenComparingInt(e -> e.pid));
        Map<String, Long> seqs = new HashMap<>();
        for (Event e : all) {
            e.seq = seqs.merge(e.streamKey(), 1L, Long::sum);
            boolean droppable = e.type.equals("cpu") || e.type.equals("syscall") || e.type.equals("memory");
            if (!(droppable && rnd.nextInt(100) == 0)) {
                unique.add(e);
            }
        }
        // Out of order by up to 2 s; 5% duplicated up to 8 s later.
        record Sending(double at, Event e) { }
        List<Sending> sends = new ArrayList<>();
        for (Event e : unique) {
            long ms = e.timestampMillis();
            sends.add(new Sending(ms + rnd.nextInt(2_000) + rnd.nextDouble(), e));
            if (rnd.nextInt(20) == 0) {
                sends.add(new Sending(ms + 2_000 + rnd.nextInt(6_000) + rnd.nextDouble(), e));
            }
        }
        sends.sort(Comparator.comparingDouble(Sending::at));
        sends.forEach(s -> sendOrder.add(s.e()));
    }

    public static long windowStart(long tsMs, long size) {
        return tsMs - Math.floorMod(tsMs, size);
    }

    /** Expected figures of one document, by field name (snake_case, as in the JSON). */
    public static final class Doc extends TreeMap<String, Object> {
        long add(String field, long v) {
            long now = ((Long) getOrDefault(field, 0L)) + v;
            put(field, now);
            return now;
        }
    }

    /** Expected documents by id for one window size (only the fields the oracle knows). */
    public Map<String, Doc> expected(long size) {
        String label = size == 10_000 ? "10s" : "1m";
        Map<String, Doc> docs = new LinkedHashMap<>();
        Map<String, long[]> latestRss = new HashMap<>();
        for (Event e : unique) {
            long w = windowStart(e.timestampMillis(), size);
            Doc h = docs.computeIfAbsent("host/" + label + "/" + e.host + "/" + w, k -> new Doc());
            h.add("records", 1);
            Doc p = null;
            if (e.pid > 0 && !e.type.equals("lost")) {
                p = docs.computeIfAbsent("process/" + label + "/" + e.host + "/" + e.pid + "/" + w, k -> new Doc());
                p.add("records", 1);
            }
            if (e.type.equals("fork") && e.ppid > 0) {
                // The parent's document counts the children it forked (records 0 if it has none of its own).
                Doc parent = docs.computeIfAbsent("process/" + label + "/" + e.host + "/" + e.ppid + "/" + w, k -> new Doc());
                parent.add("children_forked", 1);
                parent.add("records", 0);
            }
            switch (e.type) {
                case "cpu" -> {
                    h.add("on_cpu_ns", e.onCpuNs);
                    p.add("on_cpu_ns", e.onCpuNs);
                }
                case "syscall" -> {
                    h.add("syscall_count", e.count);
                    h.add("syscall_errors", e.errors);
                    p.add("syscall_count", e.count);
                    p.add("syscall_errors", e.errors);
                }
                case "memory" -> {
                    h.add("page_faults", e.pageFaults);
                    p.add("page_faults", e.pageFaults);
                    String key = e.host + "/" + e.pid + "/" + w;
                    long[] prev = latestRss.get(key);
                    if (prev == null || e.ts > prev[0]) {
                        latestRss.put(key, new long[] {e.ts, e.rssBytes});
                        p.put("rss_bytes", e.rssBytes);
                    }
                }
                case "disk" -> {
                    String f = e.op.equals("read") ? "disk_read_bytes" : "disk_write_bytes";
                    h.add(f, e.bytes);
                    p.add(f, e.bytes);
                    Doc d = docs.computeIfAbsent("disk/" + label + "/" + e.host + "/" + e.device + "/" + w,
                            k -> new Doc());
                    d.add(e.op.equals("read") ? "read_bytes" : "write_bytes", e.bytes);
                    d.add(e.op.equals("read") ? "read_ops" : "write_ops", e.ops);
                }
                case "net" -> {
                    if (e.ifCounters != null) {
                        Doc i = docs.computeIfAbsent("interface/" + label + "/" + e.host + "/" + e.device + "/" + w,
                                k -> new Doc());
                        for (int c = 0; c < e.ifCounters.length; c++) {
                            i.add(io.akmon.schema.Fields.INTERFACE_COUNTERS[c], e.ifCounters[c]);
                        }
                        break;
                    }
                    if ("udp".equals(e.event)) {
                        for (Doc d : List.of(h, p)) {
                            d.add("udp_datagrams_sent", e.datagramsSent);
                            d.add("udp_bytes_sent", e.bytesSent);
                            d.add("udp_datagrams_received", e.datagramsReceived);
                            d.add("udp_bytes_received", e.bytesReceived);
                        }
                        Doc u = docs.computeIfAbsent("connection/" + label + "/" + e.host + "/" + e.conn + "@"
                                + e.bootId + "/" + w, k -> new Doc());
                        u.add("bytes_sent", e.bytesSent);
                        u.add("bytes_received", e.bytesReceived);
                        u.add("datagrams_sent", e.datagramsSent);
                        u.add("datagrams_received", e.datagramsReceived);
                        break;
                    }
                    h.add("net_bytes_sent", e.bytesSent);
                    p.add("net_bytes_sent", e.bytesSent);
                    h.add("net_bytes_received", e.bytesReceived);
                    p.add("net_bytes_received", e.bytesReceived);
                    Doc c = docs.computeIfAbsent("connection/" + label + "/" + e.host + "/" + e.conn + "@"
                            + e.bootId + "/" + w, k -> new Doc());
                    c.add("bytes_sent", e.bytesSent);
                    c.add("bytes_received", e.bytesReceived);
                    c.add("retransmits", e.retransmits);
                }
                case "fork" -> h.add("process_starts", 1);
                case "exit" -> {
                    h.add("process_exits", 1);
                    p.put("exited", true);
                    p.put("exit_code", (long) e.exitCode);
                }
                case "lost" -> h.add("missing", e.lost);
                default -> { }
            }
        }
        // Sequence gaps: each gap belongs to the window of the record that follows it.
        Map<String, List<Event>> streams = unique.stream().collect(Collectors.groupingBy(Event::streamKey));
        for (List<Event> stream : streams.values()) {
            stream.sort(Comparator.comparingLong(e -> e.seq));
            for (int i = 1; i < stream.size(); i++) {
                long gap = stream.get(i).seq - stream.get(i - 1).seq - 1;
                Event e = stream.get(i);
                docs.get("host/" + label + "/" + e.host + "/" + windowStart(e.timestampMillis(), size))
                        .add("missing", gap);
            }
        }
        // Live processes at each window end; coverage; cluster totals.
        Map<Long, Doc> cluster = new TreeMap<>();
        Set<String> hostIds = new HashSet<>();
        for (Map.Entry<String, Doc> d : docs.entrySet()) {
            if (d.getKey().startsWith("host/")) {
                hostIds.add(d.getKey());
            }
        }
        for (String id : hostIds) {
            String[] parts = id.split("/");
            String host = parts[2];
            long w = Long.parseLong(parts[3]);
            Doc h = docs.get(id);
            long live = 0;
            for (Map.Entry<String, long[]> life : processLife.entrySet()) {
                if (life.getKey().startsWith(host + "|") && life.getValue()[0] < w + size
                        && !(life.getValue()[1] < w + size)) {
                    live++;
                }
            }
            h.put("live_processes", live);
            long records = (Long) h.get("records");
            long missing = (Long) h.getOrDefault("missing", 0L);
            h.put("missing", missing);
            h.put("coverage", (double) records / (records + missing));
            Doc c = cluster.computeIfAbsent(w, k -> new Doc());
            c.add("hosts", 1);
            for (String f : List.of("records", "missing", "on_cpu_ns", "syscall_count", "process_starts",
                    "process_exits", "live_processes", "net_bytes_sent", "disk_read_bytes")) {
                c.add(f, (Long) h.getOrDefault(f, 0L));
            }
        }
        cluster.forEach((w, c) -> {
            c.put("coverage", (double) (Long) c.get("records") / ((Long) c.get("records") + (Long) c.get("missing")));
            docs.put("cluster/" + label + "/_all/" + w, c);
        });
        return docs;
    }

    /** Asserts that the documents are exactly the expected ones, with the expected figures. */
    public void assertMatches(Map<String, JsonNode> all) {
        Map<String, JsonNode> actual = new TreeMap<>();
        Map<String, JsonNode> sessions = new TreeMap<>();
        all.forEach((id, doc) -> ("session".equals(doc.get("kind").asText()) ? sessions : actual).put(id, doc));
        assertSessionsSumTheirWindows(sessions, actual);
        Map<String, Doc> expected = new TreeMap<>(expected(WINDOW));
        expected.putAll(expected(ROLLUP));
        assertEquals(expected.keySet(), actual.keySet(),
                "one document per process, host, disk, connection and cluster window");
        for (Map.Entry<String, Doc> doc : expected.entrySet()) {
            JsonNode a = actual.get(doc.getKey());
            for (Map.Entry<String, Object> field : doc.getValue().entrySet()) {
                JsonNode v = a.get(field.getKey());
                String where = doc.getKey() + " " + field.getKey();
                assertTrue(v != null, where + " missing in " + a);
                if (field.getValue() instanceof Double d) {
                    assertEquals(d, v.asDouble(), 1e-12, where);
                } else if (field.getValue() instanceof Boolean b) {
                    assertEquals(b, v.asBoolean(), where);
                } else if (field.getValue() instanceof String s) {
                    assertEquals(s, v.asText(), where);
                } else {
                    assertEquals(((Number) field.getValue()).longValue(), v.asLong(), where);
                }
            }
            double coverage = a.get("coverage").asDouble();
            assertTrue(coverage > 0 && coverage <= 1.0, doc.getKey());
            // The aggregates topic carries closed windows only; live partials go to Elasticsearch alone.
            assertTrue(a.path("final").asBoolean(false), doc.getKey() + " is not marked final");
        }
    }

    /** Session totals the workload sums over a process's 10 s windows (rss_max_bytes: their maximum). */
    private static final List<String> SESSION_SUMS = List.of("records", "on_cpu_ns", "page_faults", "syscall_count",
            "syscall_errors", "disk_read_bytes", "disk_write_bytes", "disk_read_ops", "disk_write_ops", "net_bytes_sent",
            "net_bytes_received", "net_retransmits", "connections_opened", "connections_closed", "children_forked", "execs");

    /** One session per process (and per parent of a fork), each total the sum of the process's 10 s documents. */
    private void assertSessionsSumTheirWindows(Map<String, JsonNode> sessions, Map<String, JsonNode> windows) {
        java.util.Set<String> processes = new java.util.TreeSet<>();
        for (Event e : unique) {
            if (e.pid > 0 && !e.type.equals("lost") && !e.type.equals("agent")) {
                processes.add(e.host + "/" + e.pid);
            }
            if (e.type.equals("fork")) {
                processes.add(e.host + "/" + e.ppid);
            }
        }
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (JsonNode s : sessions.values()) {
            String key = s.get("host").asText() + "/" + s.get("pid").asInt();
            assertTrue(seen.add(key), "one session per process: " + key);
            List<JsonNode> mine = windows.values().stream().filter(w -> w.get("kind").asText().equals("process")
                    && w.get("resolution").asText().equals("10s") && (w.get("host").asText() + "/" + w.get("pid").asInt()).equals(key))
                    .toList();
            for (String f : SESSION_SUMS) {
                assertEquals(mine.stream().mapToLong(w -> w.get(f).asLong()).sum(), s.get(f).asLong(), key + " session " + f);
            }
            assertEquals(mine.stream().mapToLong(w -> w.get("rss_max_bytes").asLong()).max().orElse(0),
                    s.get("rss_max_bytes").asLong(), key + " session rss_max_bytes");
            long[] life = processLife.get(s.get("host").asText() + "|" + s.get("pid").asInt());
            if (life != null) {
                assertEquals(life[1] != Long.MAX_VALUE, s.get("exited").asBoolean(), key + " session exited");
            }
        }
        assertEquals(processes, seen, "every process and every parent has its session");
    }
}
