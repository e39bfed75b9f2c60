package io.akmon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.Agent;
import io.akmon.agent.AgentSettings;
import io.akmon.agent.publish.KafkaSink;
import io.akmon.agent.publish.KafkaSinkConfig;
import io.akmon.embedded.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Agent throughput carried into a real Kafka broker (in this JVM, KRaft, log-append timestamps),
 * through the agent's own Kafka sink and its on-disk spool. Every record the kernel numbered in the
 * measured window is looked for in Kafka; what is missing must be covered by the agent's loss
 * reports ({@code lost} records), else it is counted as unaccounted. Latency is the broker's
 * append time minus the record's kernel timestamp (boot time moved to the epoch by the agent, the
 * same clock as the broker's on this one host).
 */
final class KafkaSuite {
    record Result(String variant, int generators, long kernelRecords, long arrived, long reportedLost, long unaccounted,
                  double kernelRatePerSec, double deliveredRatePerSec, double agentCpuPct, double cpuPctPer100k,
                  Stats latencyMs, double p99Ms, long healthRecords, long healthProduced, double brokerCpuPct) {
    }

    /** Sources of loss reports that stand for sequenced kernel records (not counter-map overflows). */
    private static final Set<String> RECORD_LOSS_SOURCES = Set.of("output", "decode", KafkaSink.SOURCE_SPOOL_FULL,
            KafkaSink.SOURCE_SPOOL_IO, KafkaSink.SOURCE_SHED, KafkaSink.SOURCE_KAFKA_REJECTED, KafkaSink.SOURCE_SPOOL_CORRUPT);

    static final String INLINE = "before: fsync on the publisher";
    static final String CURRENT = "after: fsync on its own thread";
    static final String SMALL_RING = "after, 16 KiB ring buffer (forces kernel-side loss)";
    static final int SMALL_RING_BYTES = 16 << 10;

    private final Path workloadBinary;
    private final boolean quick;

    KafkaSuite(Path workloadBinary, boolean quick) {
        this.workloadBinary = workloadBinary;
        this.quick = quick;
    }

    static EmbeddedKafka startBroker() {
        // the broker stamps each record as it appends it: the arrival time in Kafka
        return EmbeddedKafka.start(EmbeddedKafka.Options.defaults().partitions(3)
                .brokerProperty("log.message.timestamp.type", "LogAppendTime"));
    }

    List<Result> run(PrintStream progress) throws Exception {
        List<Result> results = new ArrayList<>();
        int forksPerGenerator = quick ? 5_000 : 20_000;
        try (EmbeddedKafka kafka = startBroker()) {
            progress.println("  broker up at " + kafka.bootstrapServers());
            int round = 0;
            for (int generators : quick ? new int[] {1, 4} : new int[] {1, 2, 4}) {
                // before and after moving the spool's fsync off the publisher thread, back to back
                for (boolean inline : new boolean[] {true, false}) {
                    round++;
                    System.setProperty(KafkaSink.INLINE_SPOOL_SYNC_PROPERTY, Boolean.toString(inline));
                    try {
                        results.add(once(kafka, "bench" + round + ".", inline ? INLINE : CURRENT, generators,
                                forksPerGenerator, progress));
                    } finally {
                        System.clearProperty(KafkaSink.INLINE_SPOOL_SYNC_PROPERTY);
                    }
                }
            }
            // a ring buffer far too small for the storms: the loss must show up as reported, not unaccounted
            round++;
            results.add(once(kafka, "bench" + round + ".", SMALL_RING, 4, forksPerGenerator, progress));
        }
        return results;
    }

    /** One measured run with a fresh topic prefix and spool; latency samples are kernel records in the window. */
    Result once(EmbeddedKafka kafka, String prefix, String variant, int generators, int forksPerGenerator, PrintStream progress) throws Exception {
        List<LoadGenerator> gens = new ArrayList<>();
        Load storms = new Load() {
            @Override
            public void prepare() {
                for (int g = 0; g < generators; g++) {
                    gens.add(new LoadGenerator(workloadBinary, List.of("forks", Integer.toString(forksPerGenerator))));
                }
            }

            @Override
            public void run() {
                gens.forEach(LoadGenerator::go);
                gens.forEach(LoadGenerator::awaitDone);
            }

            @Override
            public void finish() {
                gens.forEach(LoadGenerator::finish);
            }
        };
        Result r = measure(kafka, prefix, variant, generators, List.of("process"), storms,
                variant.equals(SMALL_RING) ? SMALL_RING_BYTES : 0);
        progress.printf("  kafka (%s) x%d: %,d kernel records at %,.0f/s, %,d in Kafka (%,.0f/s end to end), %,d reported lost, "
                        + "%,d unaccounted; agent %.1f%% CPU; kernel->Kafka p50 %.1f ms p99 %.1f ms%n",
                variant, generators, r.kernelRecords(), r.kernelRatePerSec(), r.arrived(), r.deliveredRatePerSec(),
                r.reportedLost(), r.unaccounted(), r.agentCpuPct(), r.latencyMs().median(), r.p99Ms());
        return r;
    }

    /** What runs while the agent watches: prepare is not timed, run is, finish cleans up. */
    interface Load {
        default void prepare() throws Exception {
        }

        void run() throws Exception;

        default void finish() throws Exception {
        }
    }

    /**
     * Runs the load under the agent (these families, Kafka sink to a fresh topic prefix) and accounts
     * for every kernel record numbered meanwhile.
     */
    static Result measure(EmbeddedKafka kafka, String prefix, String variant, int generators, List<String> families,
                          Load load) throws Exception {
        return measure(kafka, prefix, variant, generators, families, load, 0);
    }

    /** As above; ringBytes > 0 shrinks the ring buffer (to make the kernel drop records and check they are accounted for). */
    static Result measure(EmbeddedKafka kafka, String prefix, String variant, int generators, List<String> families,
                          Load load, int ringBytes) throws Exception {
        Path spool = Files.createTempDirectory("akmon-bench-spool");
        KafkaSinkConfig cfg = new KafkaSinkConfig();
        cfg.bootstrap = kafka.bootstrapServers();
        cfg.topicPrefix = prefix;
        cfg.partitions = 3;
        cfg.spoolDir = spool.toString();
        cfg.healthIntervalMs = 1000;
        AgentSettings s = new AgentSettings();
        s.transport = AgentSettings.Transport.RINGBUF;
        if (ringBytes > 0) {
            s.ringbufBytes = ringBytes;
            s.ringbufWakeupBytes = ringBytes / 4;
        }
        s.pinDir = "";
        if (!families.isEmpty()) {
            s.families = families; // else all six
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] seq0;
        long[] seq1;
        long t0;
        long tDone;
        long tDelivered;
        long cpu;
        long jvmCpu;
        try (KafkaSink sink = KafkaSink.open(cfg, "bench-host", Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim(), System.err)) {
            try (Agent agent = Agent.start(s, sink, System.err)) {
                sink.healthExtras(() -> Map.of("records_read", agent.recordsRead()));
                Thread.sleep(500);
                agent.sync();
                seq0 = agent.kernelSequences();
                long cpu0 = agentThreadsCpuNs(threads);
                long jvm0 = Procs.cpuNs(ProcessHandle.current().pid());
                load.prepare();
                t0 = System.nanoTime();
                load.run();
                tDone = System.nanoTime();
                agent.sync();
                seq1 = agent.kernelSequences();
                sink.awaitDelivered(Duration.ofSeconds(120));
                tDelivered = System.nanoTime();
                cpu = agentThreadsCpuNs(threads) - cpu0;
                jvmCpu = Procs.cpuNs(ProcessHandle.current().pid()) - jvm0;
                load.finish();
            }
            sink.report(); // the last loss reports and health record
            sink.awaitDelivered(Duration.ofSeconds(30));
        }
        deleteTree(spool);

        long attempted = 0;
        for (int c = 0; c < seq0.length; c++) {
            attempted += seq1[c] - seq0[c];
        }
        Map<Integer, Set<Long>> seen = new HashMap<>();
        List<Double> latencies = new ArrayList<>();
        long reportedLost = 0;
        long healthRecords = 0;
        long healthProduced = 0;
        ObjectMapper json = new ObjectMapper();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "akmon-bench-" + prefix);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Pattern.compile(Pattern.quote(prefix) + ".*"));
            long idleSince = System.nanoTime();
            while (System.nanoTime() - idleSince < 3_000_000_000L) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                if (!batch.isEmpty()) {
                    idleSince = System.nanoTime();
                }
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    for (byte[] value : io.akmon.schema.Frames.records(r.value())) {
                        JsonNode n = json.readTree(value);
                        String type = n.path("type").asText();
                        int c = n.path("cpu").asInt();
                        if (c >= 0 && c < seq0.length) {
                            long seq = n.path("seq").asLong();
                            if (seq > seq0[c] && seq <= seq1[c] && seen.computeIfAbsent(c, k -> new HashSet<>()).add(seq)
                                    && r.timestampType() == TimestampType.LOG_APPEND_TIME) {
                                latencies.add(r.timestamp() - n.path("ts").asLong() / 1e6);
                            }
                        } else if (type.equals("lost") && RECORD_LOSS_SOURCES.contains(n.path("source").asText())) {
                            reportedLost += n.path("lost").asLong();
                        } else if (type.equals("agent")) {
                            healthRecords++;
                            healthProduced = Math.max(healthProduced, n.path(KafkaSink.RECORDS_PRODUCED).asLong());
                        }
                    }
                }
            }
        }
        long arrived = seen.values().stream().mapToLong(Set::size).sum();
        long missing = attempted - arrived;
        long unaccounted = Math.max(0, missing - reportedLost);
        double kernelRate = attempted * 1e9 / (tDone - t0);
        double deliveredRate = arrived * 1e9 / (tDelivered - t0);
        double cpuPct = 100.0 * cpu / (tDelivered - t0);
        Stats lat = Stats.of(latencies);
        double p99 = percentile(latencies, 0.99);
        Result r = new Result(variant, generators, attempted, arrived, reportedLost, unaccounted, kernelRate, deliveredRate, cpuPct,
                deliveredRate > 0 ? cpuPct / (deliveredRate / 100_000) : 0, lat, p99, healthRecords, healthProduced,
                Math.max(0, 100.0 * (jvmCpu - cpu) / (tDelivered - t0)));
        return r;
    }

    static double percentile(List<Double> samples, double q) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)];
    }

    /** CPU of the agent's threads in this JVM: reader, drain, spool publisher, health timer and the producer's I/O thread. */
    static long agentThreadsCpuNs(ThreadMXBean mx) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (n.startsWith("akmon-") || n.startsWith("kafka-producer-network-thread | akmon-agent")) {
                long c = mx.getThreadCpuTime(t.getId());
                if (c > 0) {
                    sum += c;
                }
            }
        }
        return sum;
    }

    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException ignored) {
            // temporary files; the OS cleans up
        }
    }
}
