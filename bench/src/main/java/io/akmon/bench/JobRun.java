package io.akmon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Flink job process under measurement: started with its own consumer group on a pre-filled topic
 * set, watched until it has run warm-up + the measured duration in steady state, then stopped.
 *
 * <p>Input records are what the job has committed to Kafka on its checkpoints (the committed offsets of
 * its consumer group, turned into agent records by the feeder, which knows how many each Kafka record
 * of a frame holds), so every counted record has gone through the whole job and a completed
 * checkpoint. The measured interval runs from the first commit after the warm-up to the first commit at
 * least the measured duration later; CPU is the job process's utime + stime read at those two moments,
 * output documents are the read_committed records its output topic gained between them. Checkpoint
 * figures come from the job's own REST API (the MiniCluster's), found in its log.
 */
final class JobRun {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REST = Pattern.compile("listening at (?:https?://)?([\\w.\\-]+):(\\d+)");

    /** A moment at which the committed offsets moved. */
    record Point(long tNs, long cpuNs, long committed, Map<TopicPartition, Long> outputEnd) {
    }

    /** The latest completed checkpoint and a summary over all of them, from the REST API. */
    record Checkpoints(long completed, long failed, long stateBytes, long checkpointedBytes, long durationMs,
                       long p50DurationMs, long maxDurationMs) {
    }

    /**
     * What one run measured. {@code ran} false = nothing measured, {@code why} says why; a run whose
     * backlog ran out before the measured duration ended is measured over what it had ({@code why}
     * says so).
     */
    record Measured(boolean ran, String why, long records, double cpuSeconds, double wallSeconds, long documents,
                    Checkpoints checkpoints) {
        static Measured notRun(String why) {
            return new Measured(false, why, 0, 0, 0, 0, null);
        }

        double perCore() {
            return records / cpuSeconds;
        }

        double wallRate() {
            return records / wallSeconds;
        }

        double documentsPerSecond() {
            return documents / wallSeconds;
        }
    }

    private final String id;
    private final List<String> command;
    private final String bootstrap;
    private final List<String> inputTopics;
    private final String outputTopic;
    private final Duration warmUp;
    private final Duration outputWait;
    private final Duration measure;
    private final Duration checkpointInterval;
    private final LongSupplier available;
    private final LongConsumer committedSoFar;
    private final ToLongFunction<Map<TopicPartition, Long>> recordsBefore;

    /**
     * @param available      records written to the input topics so far (they may grow while the job runs)
     * @param committedSoFar told the job's committed records at each commit
     * @param recordsBefore  the agent records before the given offsets of the input partitions (a frame holds several)
     */
    JobRun(String id, List<String> command, String bootstrap, List<String> inputTopics, String outputTopic,
           Duration warmUp, Duration outputWait, Duration measure, Duration checkpointInterval, LongSupplier available,
           LongConsumer committedSoFar, ToLongFunction<Map<TopicPartition, Long>> recordsBefore) {
        this.outputWait = outputWait;
        this.recordsBefore = recordsBefore;
        this.available = available;
        this.committedSoFar = committedSoFar;
        this.id = id;
        this.command = command;
        this.bootstrap = bootstrap;
        this.inputTopics = inputTopics;
        this.outputTopic = outputTopic;
        this.warmUp = warmUp;
        this.measure = measure;
        this.checkpointInterval = checkpointInterval;
    }

    /** Runs the job and measures it; never throws for a job that fails, it reports it as not run. */
    Measured run(Admin admin, Path workDir, java.io.PrintStream progress) throws Exception {
        Path log = workDir.resolve(id + ".log");
        Path log4j = workDir.resolve(id + "-log4j2.properties");
        Files.writeString(log4j, String.join("\n",
                "appender.out.type = Console", "appender.out.name = OUT",
                "appender.out.layout.type = PatternLayout", "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
                "rootLogger.level = WARN", "rootLogger.appenderRef.out.ref = OUT",
                "logger.rest.name = org.apache.flink.runtime.rest", "logger.rest.level = INFO",
                "logger.dispatcher.name = org.apache.flink.runtime.dispatcher", "logger.dispatcher.level = INFO",
                "logger.webmonitor.name = org.apache.flink.runtime.webmonitor", "logger.webmonitor.level = INFO",
                "logger.checkpoint.name = org.apache.flink.runtime.checkpoint.CheckpointCoordinator",
                "logger.checkpoint.level = INFO", ""));
        List<String> cmd = new ArrayList<>(command);
        cmd.add(1, "-Dlog4j2.configurationFile=" + log4j.toUri());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long t0 = System.nanoTime();
        // start-up, warm-up, the measured interval, a checkpoint interval to reach a commit, and slack
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120) + warmUp.toNanos() + outputWait.toNanos() + measure.toNanos()
                + 4 * checkpointInterval.toNanos();
        List<TopicPartition> outputs = outputTopic == null ? List.of() : partitions(admin, List.of(outputTopic));
        Point a = null;
        Point b = null;
        Point last = null;
        String why = null;
        String rest = null;
        Checkpoints checkpoints = null;
        try {
            while (b == null) {
                if (p.waitFor(250, TimeUnit.MILLISECONDS)) {
                    return Measured.notRun("the job exited (code " + p.exitValue() + ") " + seconds(System.nanoTime() - t0)
                            + " after it started; see " + log);
                }
                long now = System.nanoTime();
                if (now > deadline) {
                    return Measured.notRun("no steady state measured within " + seconds(deadline - t0)
                            + (last == null || last.committed() == 0 ? " (no checkpoint committed any record)" : "") + "; see " + log);
                }
                long committed = committed(admin);
                if (last != null && committed == last.committed()) {
                    continue;
                }
                long cpu = Procs.cpuNs(p.pid());
                committedSoFar.accept(committed);
                long total = available.getAsLong();
                Point pt = new Point(now, cpu, committed, outputs.isEmpty() ? Map.of()
                        : endOffsets(admin, outputs, IsolationLevel.READ_COMMITTED));
                last = pt;
                boolean outputSeen = pt.outputEnd().values().stream().mapToLong(Long::longValue).sum() > 0;
                boolean warm = now - t0 >= warmUp.toNanos()
                        && (outputSeen || now - t0 >= warmUp.toNanos() + outputWait.toNanos());
                if (a == null && warm) {
                    if (!outputSeen && !outputWait.isZero()) {
                        why = "no document was committed in the first " + seconds(now - t0);
                    }
                    if (committed >= total) {
                        return Measured.notRun("the job read all " + String.format("%,d", total) + " records the bench could write during the "
                                + seconds(warmUp.toNanos()) + " warm-up");
                    }
                    a = pt;
                } else if (a != null && (now - a.tNs() >= measure.toNanos() || committed >= total)) {
                    b = pt;
                    if (committed >= total) {
                        why = (why == null ? "" : why + "; ") + "it read all the bench could write after "
                                + seconds(now - a.tNs()) + " of the measured interval";
                    }
                }
            }
            rest = restAddress(log);
            checkpoints = rest == null ? null : checkpoints(rest);
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        long documents = outputs.isEmpty() ? 0 : count(outputTopic, a.outputEnd(), b.outputEnd());
        if (rest == null) {
            progress.println("  " + id + ": no REST address in " + log + "; checkpoint figures left out");
        }
        return new Measured(true, why, b.committed() - a.committed(), (b.cpuNs() - a.cpuNs()) / 1e9,
                (b.tNs() - a.tNs()) / 1e9, documents, checkpoints);
    }

    private static String seconds(long ns) {
        return String.format("%.0f s", ns / 1e9);
    }

    private long committed(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(id)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
            if (e.getValue() != null && inputTopics.contains(e.getKey().topic())) {
                committed.put(e.getKey(), e.getValue().offset());
            }
        }
        return recordsBefore.applyAsLong(committed);
    }

    static List<TopicPartition> partitions(Admin admin, List<String> topics) throws Exception {
        List<TopicPartition> out = new ArrayList<>();
        admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, d) ->
                d.partitions().forEach(pi -> out.add(new TopicPartition(name, pi.partition()))));
        return out;
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, List<TopicPartition> parts, IsolationLevel isolation)
            throws Exception {
        Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
        parts.forEach(tp -> spec.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin.listOffsets(spec,
                new org.apache.kafka.clients.admin.ListOffsetsOptions(isolation)).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        r.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Committed records of {@code topic} at offsets in [from, to) per partition (transaction markers do not count). */
    private long count(String topic, Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        long n = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Set<TopicPartition> parts = to.keySet();
            consumer.assign(parts);
            parts.forEach(tp -> consumer.seek(tp, from.getOrDefault(tp, 0L)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> consumer.position(tp) < to.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < to.get(tp)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** {@code host:port} of the job's REST endpoint, from its log. */
    static String restAddress(Path log) throws IOException {
        for (String line : Files.readAllLines(log)) {
            Matcher m = REST.matcher(line);
            if (m.find()) {
                return m.group(1) + ":" + m.group(2);
            }
        }
        return null;
    }

    private static Checkpoints checkpoints(String rest) {
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            JsonNode jobs = get(http, "http://" + rest + "/jobs/overview");
            String jid = null;
            for (JsonNode j : jobs.path("jobs")) {
                if (j.path("state").asText().equals("RUNNING")) {
                    jid = j.path("jid").asText();
                }
            }
            if (jid == null) {
                return null;
            }
            JsonNode c = get(http, "http://" + rest + "/jobs/" + jid + "/checkpoints");
            JsonNode latest = c.path("latest").path("completed");
            JsonNode summary = c.path("summary").path("end_to_end_duration");
            return new Checkpoints(c.path("counts").path("completed").asLong(), c.path("counts").path("failed").asLong(),
                    latest.path("state_size").asLong(-1), latest.path("checkpointed_size").asLong(-1),
                    latest.path("end_to_end_duration").asLong(-1), summary.path("p50").asLong(-1),
                    summary.path("max").asLong(-1));
        } catch (Exception e) {
            return null;
        }
    }

    private static JsonNode get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(url + " answered " + r.statusCode());
        }
        return JSON.readTree(r.body());
    }
}
