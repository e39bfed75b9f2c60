package io.akmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.testing.Workload;
import io.akmon.cli.run.LocalPipeline;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host figures of the aggregation job against the kernel's, through the real pipeline (agent in this
 * kernel, Kafka, Flink, as {@code akmon run} starts them): the host aggregate's busy CPU equals the busy
 * time of /proc/stat over the interval its host records cover within 2%, at idle, with one core busy and
 * with two; its used memory is /proc/meminfo's within 5%; and an idle process that touched 300 MB before
 * the agent started has 300 MB in every window while it lives, although it never runs.
 */
class HostFiguresIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WINDOW = "3s";
    private static final long WINDOW_MS = 3_000;
    private static final long MB = 1 << 20;
    /** CPU each burner spins for: two windows, so each phase has at least one whole window. */
    private static final long BURN_MS = 6_000;
    /** Busy time in /proc/stat's units: USER_HZ ticks of 10 ms, summed over CPUs. */
    private static final long NS_PER_TICK = 10_000_000L;

    @Test
    void hostCpuAndMemoryEqualTheKernelsAndAnIdleProcessHasItsRssInEveryWindow(@TempDir Path data) throws Exception {
        String comm = Workload.binary().getFileName().toString();
        comm = comm.substring(0, Math.min(15, comm.length()));
        ProcStatSampler truth = new ProcStatSampler();
        try (Workload idle = Workload.start("alloc", "300");
             Workload one = Workload.start("burn", Long.toString(BURN_MS));
             Workload twoA = Workload.start("burn", Long.toString(BURN_MS));
             Workload twoB = Workload.start("burn", Long.toString(BURN_MS))) {
            idle.go(); // 300 MB touched before the agent starts; it sleeps from now on
            LocalPipeline.Options o = new LocalPipeline.Options();
            o.dataDir = data.resolve("local");
            o.window = WINDOW;
            o.agent.comms = List.of(comm); // the workloads; host records cover every task regardless
            o.agent.pinDir = "";
            o.agent.intervalMs = 200;
            try (LocalPipeline pipeline = LocalPipeline.start(o, System.err)) {
                truth.start();
                long[] phases = new long[4]; // idle, one core, two cores, end: epoch ns
                phases[0] = nowNs();
                Thread.sleep(2 * WINDOW_MS);
                phases[1] = nowNs();
                one.go();
                phases[2] = nowNs();
                CompletableFuture<String> a = CompletableFuture.supplyAsync(twoA::go);
                CompletableFuture<String> b = CompletableFuture.supplyAsync(twoB::go);
                a.get();
                b.get();
                phases[3] = nowNs();
                Thread.sleep(2 * WINDOW_MS); // the last phase's windows close as host records move event time on

                Map<Long, List<JsonNode>> hostRecords = new TreeMap<>(); // by window start (ms)
                Map<Long, JsonNode> hostDocs = new TreeMap<>();
                Map<Long, JsonNode> idleDocs = new TreeMap<>();
                long closedUpTo = Math.floorDiv(phases[3] / 1_000_000, WINDOW_MS) * WINDOW_MS;
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                try (KafkaConsumer<byte[], byte[]> c = consumer(pipeline.bootstrapServers())) {
                    c.subscribe(List.of(LocalPipeline.AGGREGATES_TOPIC, "akmon.host"));
                    while (System.nanoTime() < deadline && !hostDocs.containsKey(closedUpTo - WINDOW_MS)) {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                            for (byte[] value : io.akmon.schema.Frames.records(r.value())) { // agent records come in frames
                                JsonNode n = JSON.readTree(value);
                                if (r.topic().equals("akmon.host")) {
                                    if (!"host".equals(n.path("type").asText())) {
                                        continue; // the agent's heartbeats reach every event topic
                                    }
                                    long ms = n.path("ts").asLong() / 1_000_000;
                                    hostRecords.computeIfAbsent(ms - Math.floorMod(ms, WINDOW_MS), k -> new ArrayList<>()).add(n);
                                } else if (WINDOW.equals(n.path("resolution").asText())) {
                                    if ("host".equals(n.path("kind").asText())) {
                                        hostDocs.put(n.path("timestamp").asLong(), n);
                                    } else if ("process".equals(n.path("kind").asText()) && n.path("pid").asInt() == idle.pid()) {
                                        idleDocs.put(n.path("timestamp").asLong(), n);
                                    }
                                }
                            }
                        }
                    }
                }
                truth.stop();
                assertTrue(pipeline.jobFailure() == null, "the jobs kept running: " + pipeline.jobFailure());

                String[] names = {"idle", "one core busy", "two cores busy"};
                int[] checked = new int[3];
                long firstWindow = Long.MAX_VALUE;
                for (Map.Entry<Long, JsonNode> w : hostDocs.entrySet()) {
                    long start = w.getKey();
                    JsonNode doc = w.getValue();
                    List<JsonNode> records = hostRecords.get(start);
                    if (records == null || start * 1_000_000 < phases[0] || start >= closedUpTo) {
                        continue;
                    }
                    firstWindow = Math.min(firstWindow, start);
                    // The interval the window's host records cover: from the first one's start to the last one's read.
                    long from = Long.MAX_VALUE;
                    long to = Long.MIN_VALUE;
                    long busy = 0;
                    long interval = 0;
                    JsonNode latest = null;
                    for (JsonNode r : records) {
                        long ts = r.path("ts").asLong();
                        from = Math.min(from, ts - r.path("interval_ns").asLong());
                        to = Math.max(to, ts);
                        busy += r.path("cpu_busy_ns").asLong();
                        interval += r.path("interval_ns").asLong();
                        if (latest == null || ts > latest.path("ts").asLong()) {
                            latest = r;
                        }
                    }
                    assertEquals(busy, doc.path("cpu_busy_ns").asLong(), "window " + start + ": the job adds up the host records");
                    assertEquals(interval, doc.path("cpu_interval_ns").asLong(), "window " + start);
                    long used = truth.memUsedAt(latest.path("ts").asLong());
                    assertEquals(used, doc.path("mem_used_bytes").asLong(), used * 0.05,
                            "window " + start + ": host used memory against /proc/meminfo");
                    assertTrue(doc.path("rss_bytes").asLong() >= 300 * MB * 0.95,
                            "window " + start + ": the host's RSS sum holds the idle process: " + doc.path("rss_bytes"));

                    int phase = -1;
                    for (int p = 0; p < 3; p++) {
                        if (from >= phases[p] && to <= phases[p + 1]) {
                            phase = p;
                        }
                    }
                    if (phase < 0) {
                        continue; // spans a change of load
                    }
                    long kernel = truth.busyNsBetween(from, to);
                    double pct = kernel * 100.0 / (to - from);
                    System.err.printf("HostFiguresIT: window %d (%s): aggregate cpu_busy_pct %.1f, /proc/stat %.1f"
                                    + " (%d ms vs %d ms busy over %d ms); mem_used %d MB, /proc/meminfo %d MB; rss_bytes %d MB%n",
                            start, names[phase], doc.path("cpu_busy_pct").asDouble(), pct, busy / 1_000_000,
                            kernel / 1_000_000, (to - from) / 1_000_000, doc.path("mem_used_bytes").asLong() / MB,
                            used / MB, doc.path("rss_bytes").asLong() / MB);
                    assertEquals(kernel, busy, kernel * 0.02,
                            "window " + start + " (" + names[phase] + "): host busy CPU against /proc/stat");
                    double least = new double[] {0, 95, 190}[phase];
                    assertTrue(pct >= least, names[phase] + " is what the phase claims: " + pct + "% of a core");
                    checked[phase]++;
                }
                for (int p = 0; p < 3; p++) {
                    assertTrue(checked[p] >= 1, "no whole window while " + names[p] + ": " + hostDocs.keySet()
                            + ", phases " + java.util.Arrays.toString(phases));
                }

                // The idle process: its RSS in every window from the first to the last, never sampled again.
                int windows = 0;
                for (long start = firstWindow; start < closedUpTo; start += WINDOW_MS) {
                    JsonNode p = idleDocs.get(start);
                    assertTrue(p != null, "no document of the idle process in window " + start + "; it has " + idleDocs.keySet());
                    assertEquals(300 * MB, p.path("rss_bytes").asLong(), 300 * MB * 0.05, "idle process, window " + start);
                    windows++;
                }
                System.err.printf("HostFiguresIT: the idle process (pid %d) had %d MB in each of %d windows%n",
                        idle.pid(), idleDocs.get(firstWindow).path("rss_bytes").asLong() / MB, windows);
                assertTrue(windows >= 6, "windows checked: " + windows);
            } finally {
                truth.stop();
            }
        }
    }

    private static long nowNs() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /**
     * Reads /proc/stat every millisecond and /proc/meminfo every 50 ms, with the epoch time of each read:
     * the truth the agent's readings are held against.
     */
    private static final class ProcStatSampler {
        private final List<long[]> busy = new ArrayList<>(); // {epoch ns, busy ns}
        private final List<long[]> used = new ArrayList<>(); // {epoch ns, used bytes}
        private final Thread thread = new Thread(this::run, "proc-stat-sampler");
        private volatile boolean stop;

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stop = true;
            if (thread.isAlive()) {
                thread.join(5_000);
            }
        }

        private void run() {
            long n = 0;
            while (!stop) {
                try {
                    long t0 = nowNs();
                    long b = busyNs(Files.readString(Path.of("/proc/stat")));
                    long t1 = nowNs();
                    synchronized (this) {
                        busy.add(new long[] {(t0 + t1) / 2, b});
                    }
                    if (n++ % 50 == 0) {
                        long m0 = nowNs();
                        long u = usedBytes(Files.readString(Path.of("/proc/meminfo")));
                        synchronized (this) {
                            used.add(new long[] {m0, u});
                        }
                    }
                    Thread.sleep(1);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }

        /** Busy time between two instants, each interpolated between the reads around it. */
        synchronized long busyNsBetween(long from, long to) {
            return at(to) - at(from);
        }

        private long at(long t) {
            for (int i = 1; i < busy.size(); i++) {
                long[] a = busy.get(i - 1);
                long[] b = busy.get(i);
                if (a[0] <= t && t <= b[0]) {
                    return a[1] + (long) ((double) (b[1] - a[1]) * (t - a[0]) / Math.max(1, b[0] - a[0]));
                }
            }
            throw new AssertionError("no /proc/stat reads around " + t);
        }

        /** Used memory as read nearest to {@code t}. */
        synchronized long memUsedAt(long t) {
            long[] best = null;
            for (long[] u : used) {
                if (best == null || Math.abs(u[0] - t) < Math.abs(best[0] - t)) {
                    best = u;
                }
            }
            if (best == null) {
                throw new AssertionError("no /proc/meminfo reads");
            }
            return best[1];
        }

        /** user + nice + system + irq + softirq + steal of the aggregate cpu line. */
        static long busyNs(String stat) {
            String[] f = stat.substring(0, stat.indexOf('\n')).trim().split("\\s+");
            long ticks = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                ticks += Long.parseLong(f[i]);
            }
            return ticks * NS_PER_TICK;
        }

        static long usedBytes(String meminfo) {
            long total = 0;
            long available = 0;
            for (String line : meminfo.split("\n")) {
                if (line.startsWith("MemTotal:")) {
                    total = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                } else if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return total - available;
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "host-figures-it");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
