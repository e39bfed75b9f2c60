package io.akmon.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.akmon.agent.event.Event;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Aggregation job throughput: the packaged job ({@code akmon-flink-jobs.jar}, embedded MiniCluster,
 * parallelism 1) replays a pre-filled topic set with {@code --bounded} and exits. Records per second
 * per core are the extra records over the extra CPU time of the job's process between a large and a
 * small topic set, so the job's start-up and shutdown cancel out; the wall-clock rate is shown too.
 */
final class FlinkSuite {
    record Result(String backend, long records, Stats recordsPerCoreSec, Stats wallRecordsPerSec, int reps) {
    }

    /** Runs that did not finish, for the report. */
    final List<String> failures = new ArrayList<>();

    static final String[] TYPES = {"fork", "exec", "exit", "cpu", "syscall"};

    private final Path flinkJar;
    private final boolean quick;
    private final int reps;
    private final long timeoutSeconds;

    FlinkSuite(Path flinkJar, boolean quick, int reps) {
        this.flinkJar = flinkJar;
        this.quick = quick;
        this.reps = reps;
        this.timeoutSeconds = quick ? 150 : 300;
    }

    List<Result> run(PrintStream progress) throws Exception {
        if (!Files.exists(flinkJar)) {
            progress.println("  " + flinkJar + " is missing: build flink-jobs first; Flink suite skipped");
            return List.of();
        }
        // RocksDB runs an order of magnitude slower here, so it gets a smaller set
        long largeHeap = quick ? 60_000 : 300_000;
        long largeRocks = quick ? 15_000 : 50_000;
        long small = 2_000;
        List<Result> results = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().partitions(2).autoCreateTopics(true))) {
            fill(kafka, "flinkS.", small);
            fill(kafka, "flinkH.", largeHeap);
            fill(kafka, "flinkR.", largeRocks);
            progress.printf("  topics filled: %,d, %,d and %,d records%n", small, largeHeap, largeRocks);
            for (String backend : List.of("heap", "rocksdb")) {
                long large = backend.equals("heap") ? largeHeap : largeRocks;
                String largePrefix = backend.equals("heap") ? "flinkH." : "flinkR.";
                List<Double> perCore = new ArrayList<>();
                List<Double> wall = new ArrayList<>();
                for (int r = 0; r < reps; r++) {
                    long[] s;
                    long[] l;
                    try {
                        s = job(kafka, "flinkS.", backend, r);
                        l = job(kafka, largePrefix, backend, r);
                    } catch (IllegalStateException e) {
                        progress.println("  flink " + backend + " rep " + (r + 1) + ": " + e.getMessage());
                        failures.add(backend + " rep " + (r + 1) + ": " + e.getMessage());
                        continue;
                    }
                    double extraCpuS = (l[1] - s[1]) / 1e9;
                    perCore.add(extraCpuS > 0 ? (large - small) / extraCpuS : Double.NaN);
                    double extraWallS = (l[0] - s[0]) / 1e9;
                    wall.add(extraWallS > 0 ? (large - small) / extraWallS : Double.NaN);
                    progress.printf("  flink %-7s rep %d/%d: %,.0f records/s per core, %,.0f records/s wall (job %.1f s, %.1f CPU s)%n",
                            backend, r + 1, reps, perCore.get(perCore.size() - 1), wall.get(wall.size() - 1), l[0] / 1e9, l[1] / 1e9);
                }
                results.add(new Result(backend, large, Stats.of(perCore), Stats.of(wall), perCore.size()));
            }
        }
        return results;
    }

    /** Runs the job over one topic set to its end; returns {wall ns, CPU ns} of its process. */
    private long[] job(EmbeddedKafka kafka, String prefix, String backend, int rep) throws Exception {
        List<String> topics = new ArrayList<>();
        for (String t : TYPES) {
            topics.add(prefix + t);
        }
        String id = prefix.replace(".", "") + "-" + backend + "-" + rep;
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-jar", flinkJar.toString(),
                "--bootstrap-servers", kafka.bootstrapServers(), "--topics", String.join(",", topics),
                "--bounded", "--starting-offsets", "earliest", "--parallelism", "1", "--state-backend", backend,
                "--group-id", id, "--transactional-id-prefix", id, "--job-name", id,
                "--aggregates-topic", "out." + id, "--dead-letter-topic", "dead." + id,
                "--sinks", "kafka")); // the job's own throughput into Kafka; Elasticsearch is timed end to end instead
        Path log = Files.createTempFile("akmon-bench-flink", ".log");
        // checkpoints on local disk, as a deployment would have them (the JobManager's memory holds only 5 MB)
        Path checkpoints = Files.createTempDirectory("akmon-bench-ckpt");
        cmd.addAll(List.of("--checkpoint-dir", checkpoints.toUri().toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long t0 = System.nanoTime();
        long cpu = 0;
        while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
            cpu = Math.max(cpu, Procs.cpuNs(p.pid())); // the last reading before it exits
            if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(timeoutSeconds)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("the aggregation job " + id + " did not finish in " + timeoutSeconds + " s; see " + log);
            }
        }
        long wall = System.nanoTime() - t0;
        KafkaSuite.deleteTree(checkpoints);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("the aggregation job failed (exit " + p.exitValue() + "); see " + log);
        }
        Files.deleteIfExists(log);
        return new long[] {wall, cpu};
    }

    /**
     * Fills the five topics with agent-format records (the agent's own serializer): 4 hosts x 2 CPUs,
     * 500 live processes per host, per-second cpu and syscall records plus fork/exec/exit churn, in
     * event-time order over 10 minutes of the past.
     */
    static void fill(EmbeddedKafka kafka, String prefix, long n) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        long spanNs = TimeUnit.MINUTES.toNanos(10);
        long base = System.currentTimeMillis() * 1_000_000L - TimeUnit.MINUTES.toNanos(30);
        String[] topics = new String[TYPES.length];
        for (int t = 0; t < TYPES.length; t++) {
            topics[t] = prefix + TYPES[t];
        }
        kafka.createTopics(2, topics);
        long[][] seq = new long[4][2];
        JsonFactory factory = new JsonFactory();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);
        JsonGenerator json = factory.createGenerator(buf);
        json.setRootValueSeparator(null);
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Exception> firstError = new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            // a new topic takes writes only once its leader serves: wait for the first record of each
            for (String t : topics) {
                awaitWritable(producer, t);
            }
            for (long i = 0; i < n; i++) {
                int hostNo = (int) (i % 4);
                int cpu = (int) ((i / 4) % 2);
                String host = "bench-" + hostNo;
                int pid = 1000 + (int) ((i / 8) % 500);
                long ts = base + spanNs * i / n;
                int kind = (int) ((i / 40) % 10);
                EventType type;
                Event e;
                long s = ++seq[hostNo][cpu];
                String comm = "worker-" + (pid % 50);
                if (kind == 0) {
                    type = EventType.FORK;
                    e = new Event(type, host, "boot-" + hostNo, cpu, s, ts, pid, comm).put(Fields.PPID, 1);
                } else if (kind == 1) {
                    type = EventType.EXEC;
                    e = new Event(type, host, "boot-" + hostNo, cpu, s, ts, pid, comm).put(Fields.PPID, 1)
                            .put(Fields.FILENAME, "/usr/bin/" + comm).put(Fields.ARGV, List.of(comm, "--serve"));
                } else if (kind == 2) {
                    type = EventType.EXIT;
                    e = new Event(type, host, "boot-" + hostNo, cpu, s, ts, pid, comm).put(Fields.EXIT_CODE, 0)
                            .put(Fields.SIGNAL, 0).put(Fields.CORE_DUMPED, false).put(Fields.LIFETIME_NS, 5_000_000_000L);
                } else if (kind < 6) {
                    type = EventType.CPU;
                    e = new Event(type, host, "boot-" + hostNo, cpu, s, ts, pid, comm).put(Fields.ON_CPU_NS, 10_000_000L)
                            .put(Fields.INTERVAL_NS, 1_000_000_000L);
                } else {
                    type = EventType.SYSCALL;
                    e = new Event(type, host, "boot-" + hostNo, cpu, s, ts, pid, comm).put(Fields.SYSCALL, "read")
                            .put(Fields.SYSCALL_NR, 0).put(Fields.COUNT, 120L).put(Fields.ERRORS, 2L)
                            .put(Fields.INTERVAL_NS, 1_000_000_000L);
                }
                buf.reset();
                e.writeJson(json);
                json.flush();
                producer.send(new ProducerRecord<>(prefix + type.wireName(), (host + "/" + pid).getBytes(StandardCharsets.UTF_8),
                        buf.toByteArray()), (md, ex) -> {
                            if (ex != null) {
                                failed.incrementAndGet();
                                firstError.compareAndSet(null, ex);
                            }
                        });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " records could not be written to " + prefix + "*", firstError.get());
        }
    }

    /** Sends one record that parses as nothing (it goes to the dead-letter topic) until the topic takes it. */
    private static void awaitWritable(KafkaProducer<byte[], byte[]> producer, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                producer.send(new ProducerRecord<>(topic, "warm-up".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " does not take writes", e);
                }
            }
        }
    }
}
