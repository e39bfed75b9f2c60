package io.akmon.bench;

import io.akmon.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * The Flink jobs from the packaged jar ({@code akmon-flink-jobs.jar}, each in a JVM of its own with its
 * embedded MiniCluster, parallelism 1), in steady state over a pre-filled backlog of a fleet's records
 * ({@link FleetStream}) at each density: the passthrough baseline ({@link PassthroughJob}: the job's
 * Kafka source and parse, then discard), the aggregation job on the heap and on RocksDB, and the alert
 * job with its default rules. Every job reads the same topics from the start with a consumer group of
 * its own; see {@link JobRun} for what is counted.
 */
final class FlinkSuite {
    /** The jobs, in the order they run at each density. */
    enum Job {
        PASSTHROUGH("passthrough", "heap"),
        AGGREGATION_HEAP("aggregation", "heap"),
        AGGREGATION_ROCKSDB("aggregation", "rocksdb"),
        ALERT("alert", "heap");

        final String job;
        final String backend;

        Job(String job, String backend) {
            this.job = job;
            this.backend = backend;
        }

        String label() {
            return job + (this == ALERT || this == PASSTHROUGH ? "" : ", " + backend);
        }

        /** The name --flink-jobs takes. */
        String flag() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param outputWait the aggregation jobs' warm-up also lasts until they have committed their first documents
     *                   (windows firing and emitting belong in the steady state), at most this much longer
     */
    record Settings(List<FleetStream.Density> densities, java.util.Set<Job> jobs, Duration warmUp, Duration outputWait,
                    Duration measure, long backlog, Duration checkpointInterval, String flinkJar, int frameBytes) {
        /** Records framed as the agent frames them by default. */
        Settings(List<FleetStream.Density> densities, java.util.Set<Job> jobs, Duration warmUp, Duration outputWait,
                 Duration measure, long backlog, Duration checkpointInterval, String flinkJar) {
            this(densities, jobs, warmUp, outputWait, measure, backlog, checkpointInterval, flinkJar,
                    io.akmon.schema.FrameBuilder.DEFAULT_FRAME_BYTES);
        }
    }

    record Run(FleetStream.Density density, Job job, JobRun.Measured measured) {
    }

    record Result(Settings settings, List<Run> runs) {
        JobRun.Measured find(FleetStream.Density d, Job job) {
            return runs.stream().filter(r -> r.density().equals(d) && r.job() == job).map(Run::measured)
                    .findFirst().orElse(JobRun.Measured.notRun("not in this run"));
        }
    }

    /** The jobs' default checkpoint interval (both take --checkpoint-interval; the suite leaves it alone). */
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    /**
     * What Flink's own start scripts give its JVMs on Java 17 (and flink-jobs' tests, {@code flink.jvm.opens}):
     * Kryo copies JDK collections by reflection, which fails without them.
     */
    static final List<String> JVM_OPENS = List.of("java.lang", "java.util", "java.util.concurrent",
            "java.util.concurrent.atomic", "java.lang.reflect", "java.io", "java.nio", "sun.nio.ch", "java.net", "java.text",
            "java.time").stream().map(p -> "--add-opens=java.base/" + p + "=ALL-UNNAMED").toList();

    private final Path flinkJar;
    private final Settings settings;
    /** Where each job JVM writes a JFR recording (settings=profile), or null for none. */
    private Path profileDir;

    /** @param frameBytes the agents' {@code --kafka-frame-bytes} the fleet's records are framed with (0: one per Kafka record) */
    FlinkSuite(Path flinkJar, List<FleetStream.Density> densities, java.util.Set<Job> jobs, Duration warmUp,
               Duration outputWait, Duration measure, long backlog, int frameBytes) {
        this.flinkJar = flinkJar;
        this.settings = new Settings(List.copyOf(densities), java.util.Set.copyOf(jobs), warmUp, outputWait, measure, backlog,
                CHECKPOINT_INTERVAL, flinkJar.toString(), frameBytes);
    }

    /** Records every job JVM with JFR (settings=profile) into {@code dir}, one file per job and density. */
    FlinkSuite profileInto(Path dir) {
        this.profileDir = dir;
        return this;
    }

    /** Runs every job at every density; a job that cannot be measured is in the result as not run. */
    Result run(PrintStream progress) throws Exception {
        List<Run> runs = new ArrayList<>();
        if (!Files.exists(flinkJar)) {
            String why = flinkJar + " is missing: build flink-jobs first";
            progress.println("  " + why + "; Flink suite skipped");
            for (FleetStream.Density d : settings.densities()) {
                for (Job j : Job.values()) {
                    runs.add(new Run(d, j, JobRun.Measured.notRun(why)));
                }
            }
            return new Result(settings, runs);
        }
        Path work = Files.createTempDirectory("akmon-bench-flink");
        Path passthroughJar = passthroughJar(work);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().partitions(2).autoCreateTopics(true));
             Admin admin = kafka.admin()) {
            for (FleetStream.Density d : settings.densities()) {
                try {
                    density(kafka, admin, work, passthroughJar, d, runs, progress);
                } catch (Exception e) {
                    // one density that cannot be fed leaves the others' figures standing
                    String why = "the bench could not feed this density: " + e.getMessage()
                            + (e.getCause() != null ? " (" + e.getCause() + ")" : "");
                    progress.println("  " + d.label() + ": " + why);
                    for (Job j : Job.values()) {
                        if (settings.jobs().contains(j) && runs.stream().noneMatch(r -> r.density().equals(d) && r.job() == j)) {
                            runs.add(new Run(d, j, JobRun.Measured.notRun(why)));
                        }
                    }
                }
            }
        }
        if (runs.stream().allMatch(r -> r.measured().ran())) {
            KafkaSuite.deleteTree(work);
        } else {
            progress.println("  the logs of the jobs stay in " + work);
        }
        return new Result(settings, runs);
    }

    /** Every job at one density, over one topic set that the feeder keeps ahead of the running job. */
    private void density(EmbeddedKafka kafka, Admin admin, Path work, Path passthroughJar, FleetStream.Density d,
                              List<Run> runs, PrintStream progress) throws Exception {
        String prefix = "fleet-" + d.id() + ".";
        List<String> topics = FleetStream.TYPES.stream().map(t -> prefix + t).toList();
        long t0 = System.nanoTime();
        try (Feeder feeder = new Feeder(kafka, prefix, d, settings.frameBytes())) {
            feeder.backlog(settings.backlog());
            progress.printf("  %s: backlog of %,d records in %,d Kafka records (%,d s of event time at %,d records/s) written in %.0f s%n",
                    d.label(), feeder.stream().written(), feeder.kafkaRecords(), feeder.stream().seconds(), d.recordsPerSecond(),
                    (System.nanoTime() - t0) / 1e9);
            for (Job j : Job.values()) {
                if (!settings.jobs().contains(j)) {
                    continue;
                }
                feeder.nextJob();
                String id = d.id() + "-" + j.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                String out = j == Job.PASSTHROUGH ? null : "out." + id;
                if (out != null) {
                    kafka.createTopics(2, out);
                }
                Path checkpoints = Files.createDirectories(work.resolve("ckpt-" + id));
                JobRun run = new JobRun(id, command(j, id, kafka.bootstrapServers(), topics, out, checkpoints, passthroughJar),
                        kafka.bootstrapServers(), topics, out, settings.warmUp(),
                        j.job.equals("aggregation") ? settings.outputWait() : Duration.ZERO, settings.measure(),
                        settings.checkpointInterval(), feeder::written, feeder::consumed, feeder::recordsBefore);
                progress.printf("  %s, %s: running (%d s warm-up, then at least %d s)%n", d.label(), j.label(),
                        settings.warmUp().toSeconds(), settings.measure().toSeconds());
                JobRun.Measured m = run.run(admin, work, progress);
                KafkaSuite.deleteTree(checkpoints);
                if (m.ran()) {
                    progress.printf("  %s, %s: %,.0f records/s per core, %,.0f records/s wall, %s "
                                    + "(%,d records over %.1f s, %.1f CPU s)%s%n", d.label(), j.label(), m.perCore(),
                            m.wallRate(), j == Job.PASSTHROUGH ? "no output" : String.format("%,.0f documents/s", m.documentsPerSecond()),
                            m.records(), m.wallSeconds(), m.cpuSeconds(), m.why() == null ? "" : "; " + m.why());
                    if (m.checkpoints() != null) {
                        JobRun.Checkpoints c = m.checkpoints();
                        progress.printf("    checkpoints: %d completed, %d failed; latest %s (%,.0f bytes per live process), "
                                        + "%d ms; p50 %d ms, max %d ms%n", c.completed(), c.failed(), FlinkReport.bytes(c.stateBytes()),
                                c.stateBytes() / (double) d.liveProcesses(), c.durationMs(), c.p50DurationMs(), c.maxDurationMs());
                    }
                } else {
                    progress.printf("  %s, %s: not measured: %s%n", d.label(), j.label(), m.why());
                }
                runs.add(new Run(d, j, m));
                feeder.check();
            }
        }
        admin.deleteTopics(topics).all().get(60, TimeUnit.SECONDS); // the next density's backlog needs the disk
    }

    private List<String> command(Job j, String id, String bootstrap, List<String> topics, String out, Path checkpoints,
                                 Path passthroughJar) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g"));
        cmd.addAll(JVM_OPENS);
        if (profileDir != null) {
            try {
                Files.createDirectories(profileDir);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            cmd.add("-XX:StartFlightRecording=settings=profile,filename=" + profileDir.resolve(id.replaceAll("[^A-Za-z0-9._-]", "_") + ".jfr"));
        }
        switch (j) {
            case PASSTHROUGH -> cmd.addAll(List.of("-cp", flinkJar + java.io.File.pathSeparator + passthroughJar,
                    PassthroughJob.class.getName()));
            case ALERT -> cmd.addAll(List.of("-cp", flinkJar.toString(), "io.akmon.flink.alert.AlertJob"));
            default -> cmd.addAll(List.of("-jar", flinkJar.toString()));
        }
        cmd.addAll(List.of("--bootstrap-servers", bootstrap, "--topics", String.join(",", topics),
                "--starting-offsets", "earliest", "--parallelism", "1", "--group-id", id,
                "--transactional-id-prefix", id, "--job-name", id, "--sinks", "kafka",
                // checkpoints on local disk, as a deployment would have them
                "--checkpoint-dir", checkpoints.toUri().toString()));
        switch (j) {
            case ALERT -> cmd.addAll(List.of("--aggregates-topic=", "--alerts-topic", out));
            case PASSTHROUGH -> cmd.addAll(List.of("--state-backend", j.backend));
            // final documents only, as measured before the live topic existed: live partials are an output whose
            // cost follows --live-interval and the open windows, not the input rate
            default -> cmd.addAll(List.of("--state-backend", j.backend, "--aggregates-topic", out,
                    "--dead-letter-topic", "dead." + id, "--live-topic="));
        }
        return cmd;
    }

    /** A jar holding only {@link PassthroughJob}, to run beside the packaged job jar. */
    private static Path passthroughJar(Path dir) throws Exception {
        Path jar = dir.resolve("akmon-bench-passthrough.jar");
        String entry = PassthroughJob.class.getName().replace('.', '/') + ".class";
        try (InputStream in = FlinkSuite.class.getClassLoader().getResourceAsStream(entry);
             OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file)) {
            if (in == null) {
                throw new IllegalStateException(entry + " is not on the bench's classpath");
            }
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    /** Partitions of every input topic. */
    static final int PARTITIONS = 2;

    /**
     * Writes a density's stream to {@code prefix + family}: first the backlog, then, while a job runs, more
     * whenever the job's committed records come within {@link #LOW_WATER} of what was written, so the
     * fastest job does not run dry. Event time starts hours back so it stays in the past however much
     * is written. A Kafka record may be a frame of several agent records; the feeder keeps, per
     * partition, the agent records before each offset, to turn a job's committed offsets into records.
     */
    static final class Feeder implements AutoCloseable {
        static final long LOW_WATER = 1_000_000;
        private final String prefix;
        private final RecordsByOffset offsets = new RecordsByOffset();
        private final FleetStream stream;
        private final KafkaProducer<byte[], byte[]> producer;
        private final AtomicLong failed = new AtomicLong();
        private final AtomicReference<Exception> firstError = new AtomicReference<>();
        private final AtomicLong consumed = new AtomicLong();
        private volatile long written;
        private volatile boolean topUp;
        private volatile boolean closed;
        private final Thread thread;

        Feeder(EmbeddedKafka kafka, String prefix, FleetStream.Density d, int frameBytes) {
            this.prefix = prefix;
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"); // as the agent sends by default
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            // a broker on two busy cores can fall minutes behind a producer that writes as fast as it can
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000);
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 60_000);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 600_000);
            kafka.createTopics(PARTITIONS, FleetStream.TYPES.stream().map(t -> prefix + t).toArray(String[]::new));
            this.stream = new FleetStream(d, System.currentTimeMillis() * 1_000_000L - TimeUnit.HOURS.toNanos(6),
                    PARTITIONS, frameBytes);
            this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            this.thread = new Thread(this::feed, "fleet-feeder-" + d.id());
            thread.setDaemon(true);
        }

        FleetStream stream() {
            return stream;
        }

        /** Writes the backlog and waits until the broker has it. */
        void backlog(long records) {
            while (stream.written() < records) {
                writeSecond();
            }
            producer.flush();
            check();
            thread.start();
        }

        /** The records written so far (all of them acknowledged or in flight). */
        long written() {
            return written;
        }

        /** What the running job has committed; from now on the feeder keeps ahead of it. */
        void consumed(long committed) {
            consumed.set(committed);
            topUp = true;
        }

        /** A new job starts from the beginning: no topping up until it reports progress. */
        void nextJob() {
            topUp = false;
        }

        /** Kafka records written so far (frames and lone records). */
        long kafkaRecords() {
            return offsets.kafkaRecords();
        }

        /** The agent records before the given offsets of the input partitions. */
        long recordsBefore(java.util.Map<TopicPartition, Long> committed) {
            return offsets.before(committed);
        }

        private void writeSecond() {
            stream.writeSecond(this::send);
            written = stream.written();
        }

        private void send(String type, int partition, byte[] key, byte[] value, int records) {
            TopicPartition tp = new TopicPartition(prefix + type, partition);
            long offset = offsets.add(tp, records);
            producer.send(new ProducerRecord<>(tp.topic(), partition, key, value), (md, ex) -> {
                if (ex == null && md.offset() != offset) {
                    ex = new IllegalStateException("a Kafka record of " + tp + " landed at offset " + md.offset() + ", not " + offset);
                }
                if (ex != null) {
                    failed.incrementAndGet();
                    firstError.compareAndSet(null, ex);
                }
            });
        }

        private void feed() {
            while (!closed) {
                if (topUp && written - consumed.get() < LOW_WATER) {
                    writeSecond();
                } else {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        void check() {
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " records could not be written to " + prefix + "*", firstError.get());
            }
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            thread.join(10_000);
            producer.close(Duration.ofSeconds(30));
        }
    }
}
