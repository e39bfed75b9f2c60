package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.aggregate.ProcessAggregate;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.KafkaIo;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alert job and {@code rules replay} against a real Kafka broker: agent records and aggregate
 * documents in their topics; the live job writes exactly the expected alerts to the alerts topic, and
 * a replay over the same history prints the same alerts.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AlertJobIT {
    private static final String EXITS = "it.akmon.exit";
    private static final String AGGREGATES = "it.akmon.aggregates";
    private static final String ALERTS = "it.akmon.alerts";
    private static final String FORKS = "it.akmon.fork";
    private static final String DEAD = "it.akmon.deadletter";
    /** An hour ago on a 10 s boundary: recent enough for the broker's retention. */
    private static final long T0 = (System.currentTimeMillis() - 3_600_000L) / 10_000 * 10_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafkaAndWriteHistory() throws Exception {
        kafka = EmbeddedKafka.start();
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(EXITS, 1, (short) 1), new NewTopic(AGGREGATES, 1, (short) 1),
                    new NewTopic(ALERTS, 1, (short) 1), new NewTopic(FORKS, 1, (short) 1),
                    new NewTopic(DEAD, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            // worker crashes three times in 40 s: crash-loop; then a clean exit a minute later moves event time on.
            long seq = 0;
            for (int i = 0; i < 3; i++) {
                send(p, EXITS, T0 + i * 20_000L, exit(++seq, 100 + i, "worker", 1, T0 + i * 20_000L));
            }
            send(p, EXITS, T0 + 120_000L, exit(++seq, 200, "other", 0, T0 + 120_000L));
            send(p, EXITS, T0 + 121_000L, "not json at all");
            // pid 42 busy for three 10 s windows: cpu-sustained; a quiet window later moves event time on.
            for (int i = 0; i < 3; i++) {
                send(p, AGGREGATES, T0 + i * 10_000L + 10_000L, process(42, T0 + i * 10_000L, 99.5));
            }
            send(p, AGGREGATES, T0 + 130_000L, process(42, T0 + 120_000L, 1));
            send(p, AGGREGATES, T0 + 131_000L, "{not an aggregate");
            // pid 7 forks 20 children in 2 s, and the agent replays those records twice more (a spool replay
            // after an outage): 60 records, but only the 20 the kernel produced count, below fork-storm's 51.
            for (int copy = 0; copy < 3; copy++) {
                for (int i = 0; i < 20; i++) {
                    send(p, FORKS, T0 + i * 100L, fork(1, i + 1, 7, 700 + i, T0 + i * 100L));
                }
            }
            // pid 8 forks 51 children in 5 s: fork-storm, the control that the rule fires on unique records.
            for (int i = 0; i < 51; i++) {
                send(p, FORKS, T0 + i * 100L, fork(2, i + 1, 8, 800 + i, T0 + i * 100L));
            }
            send(p, FORKS, T0 + 120_000L, fork(3, 1, 9, 900, T0 + 120_000L));
            p.flush();
        }
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String topic, long kafkaTs, String json) {
        p.send(new ProducerRecord<>(topic, null, kafkaTs, null, json.getBytes(StandardCharsets.UTF_8)));
    }

    private static String exit(long seq, int pid, String comm, int code, long tsMs) {
        return "{\"type\":\"exit\",\"schema_version\":1,\"host\":\"h1\",\"boot_id\":\"b1\",\"cpu\":0,\"seq\":" + seq
                + ",\"ts\":" + tsMs * 1_000_000L + ",\"pid\":" + pid + ",\"comm\":\"" + comm + "\",\"ppid\":1,"
                + "\"exit_code\":" + code + ",\"signal\":0,\"core_dumped\":false,\"lifetime_ns\":1000}";
    }

    private static String fork(int cpu, long seq, int ppid, int pid, long tsMs) {
        return "{\"type\":\"fork\",\"schema_version\":1,\"host\":\"h1\",\"boot_id\":\"b1\",\"cpu\":" + cpu
                + ",\"seq\":" + seq + ",\"ts\":" + tsMs * 1_000_000L + ",\"pid\":" + pid + ",\"comm\":\"forker\",\"ppid\":"
                + ppid + "}";
    }

    private static String process(int pid, long start, double cpuPct) {
        ProcessAggregate a = new ProcessAggregate();
        a.kind = ProcessAggregate.KIND;
        a.resolution = "10s";
        a.host = "h1";
        a.timestamp = start;
        a.windowEnd = start + 10_000L;
        a.id = "process/10s/h1/" + pid + "/" + start;
        a.pid = pid;
        a.comm = "spinner";
        a.cpuPct = cpuPct;
        return new String(Json.bytes(a), StandardCharsets.UTF_8);
    }

    private static AlertOptions options(String run) {
        AlertOptions o = new AlertOptions();
        new picocli.CommandLine(o).parseArgs(
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--topics", EXITS + "," + FORKS,
                "--aggregates-topic", AGGREGATES,
                "--alerts-topic", ALERTS,
                "--dead-letter-topic", DEAD,
                "--group-id", "it-" + run,
                "--starting-offsets", "earliest",
                "--transactional-id-prefix", "it-" + run,
                "--checkpoint-interval", "1s",
                // Long enough that no input is marked idle before its first records on a loaded machine:
                // an idle event input lets the aggregates' watermark pass the events, which CEP then
                // drops as late (seen once with 1s while other builds shared the two cores).
                "--idle-partition-timeout", "5s",
                "--parallelism", "2");
        return o;
    }

    @Test
    void liveJobWritesExactlyTheExpectedAlertsToKafka() throws Exception {
        AlertOptions o = options("live");
        AlertJob job = new AlertJob(o, AlertJob.loadRules(o), AlertJob.eventSource(o, null, null),
                AlertJob.aggregateSource(o, null, null), List.of(AlertSinks.kafka(o)));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        JobClient client = job.start(env);
        try {
            List<JsonNode> alerts = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 90_000;
            while (alerts.size() < 3 && System.currentTimeMillis() < deadline) {
                Thread.sleep(500);
                alerts.clear();
                for (String v : KafkaIo.readCommitted(kafka.bootstrapServers(), ALERTS)) {
                    alerts.add(Json.MAPPER.readTree(v));
                }
            }
            // Nothing more arrives after the expected three (checkpoints keep committing).
            Thread.sleep(3000);
            List<String> values = KafkaIo.readCommitted(kafka.bootstrapServers(), ALERTS);
            assertEquals(3, values.size(), values.toString());
            alerts.clear();
            for (String v : values) {
                alerts.add(Json.MAPPER.readTree(v));
            }
            alerts.sort((a, b) -> a.get("rule").asText().compareTo(b.get("rule").asText()));

            JsonNode cpu = alerts.get(0);
            assertEquals("cpu-sustained", cpu.get("rule").asText());
            assertEquals("host=h1 pid=42", cpu.get("key").asText());
            assertEquals("warning", cpu.get("severity").asText());
            assertEquals(T0, cpu.get("first_matched").asLong());
            assertEquals(T0 + 20_000L, cpu.get("last_matched").asLong());
            assertEquals("h1: spinner (pid 42) used 99.5% CPU or more for 3 windows (peak 99.5%)",
                    cpu.get("message").asText());
            assertEquals(0, cpu.get("suppressed").asLong());

            JsonNode crash = alerts.get(1);
            assertEquals("crash-loop", crash.get("rule").asText());
            assertEquals("host=h1 comm=worker", crash.get("key").asText());
            assertEquals("critical", crash.get("severity").asText());
            assertEquals("crash-loop/host=h1,comm=worker/" + T0, crash.get("id").asText());
            assertEquals(T0, crash.get("first_matched").asLong());
            assertEquals(T0 + 40_000L, crash.get("last_matched").asLong());
            assertEquals(3, crash.get("matched").get("crash").size());
            assertEquals(1, crash.get("matched").get("crash").get(2).get("exit_code").asLong());
            assertEquals("h1: worker crashed 3 times in 60s (last exit code 1, signal 0)",
                    crash.get("message").asText());

            // Only pid 8's 51 unique forks fire; pid 7's 20 forks seen three times do not.
            JsonNode storm = alerts.get(2);
            assertEquals("fork-storm", storm.get("rule").asText());
            assertEquals("host=h1 ppid=8", storm.get("key").asText());

            // What the job could not use is in its dead-letter topic, with the reason.
            List<String> dead = KafkaIo.readCommitted(kafka.bootstrapServers(), DEAD);
            assertEquals(2, dead.size(), dead.toString());
            List<String> reasons = new ArrayList<>();
            for (String d : dead) {
                reasons.add(Json.MAPPER.readTree(d).get("reason").asText());
            }
            reasons.sort(String::compareTo);
            assertTrue(reasons.get(0).startsWith("aggregate is not JSON: "), reasons.toString());
            assertTrue(reasons.get(1).startsWith("not JSON: "), reasons.toString());
        } finally {
            client.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void replayPrintsWhatWouldHaveFired() throws Exception {
        String from = Instant.ofEpochMilli(T0 - 60_000L).toString();
        String to = Instant.ofEpochMilli(T0 + 600_000L).toString();
        Output json = rules("replay", "classpath", "--from", from, "--to", to, "--json");
        assertEquals(0, json.code, json.err);
        List<String> lines = json.out.lines().toList();
        assertEquals(2, lines.size(), json.out);
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        JsonNode second = Json.MAPPER.readTree(lines.get(1));
        // Oldest first, then by rule name: both began at T0.
        assertEquals("cpu-sustained", first.get("rule").asText());
        assertEquals("host=h1 pid=42", first.get("key").asText());
        assertEquals("crash-loop", second.get("rule").asText());
        assertEquals("host=h1 comm=worker", second.get("key").asText());

        Output table = rules("replay", "classpath", "--from", from, "--to", to);
        assertEquals(0, table.code, table.err);
        List<String> rows = table.out.lines().toList();
        assertEquals(4, rows.size(), table.out);
        assertTrue(rows.get(0).startsWith("FIRST MATCHED"), rows.get(0));
        assertTrue(rows.get(1).contains("cpu-sustained") && rows.get(1).contains("host=h1 pid=42"), rows.get(1));
        assertTrue(rows.get(2).contains("crash-loop") && rows.get(2).contains("host=h1 comm=worker"), rows.get(2));
        assertEquals("2 alert(s)", rows.get(3));

        // A range that ends before the third crash and the third busy window: nothing fires.
        Output early = rules("replay", "classpath", "--from", from, "--to",
                Instant.ofEpochMilli(T0 + 20_000L).toString(), "--json");
        assertEquals(0, early.code, early.err);
        assertEquals("", early.out);

        // A parameter override: the busy windows are not above 99.5 %.
        Output strict = rules("replay", "classpath", "--from", from, "--to", to, "--json", "--param", "cpu_pct=99.5");
        assertEquals(0, strict.code, strict.err);
        assertEquals(1, strict.out.lines().count(), strict.out);
        assertTrue(strict.out.contains("\"rule\":\"crash-loop\""), strict.out);
    }

    record Output(int code, String out, String err) {
    }

    /** Runs {@code akmon rules ...} in-process; "classpath" stands for the default rules file. */
    private Output rules(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        int i = a.indexOf("classpath");
        if (i >= 0) {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("rules", ".yaml");
            try (var in = getClass().getClassLoader().getResourceAsStream(AlertJob.DEFAULT_RULES)) {
                java.nio.file.Files.write(f, in.readAllBytes());
            }
            a.set(i, f.toString());
        }
        a.addAll(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topics", EXITS,
                "--aggregates-topic", AGGREGATES, "--grace", "2m"));
        io.akmon.flink.testing.RulesRun r = io.akmon.flink.testing.RulesRun.of(a.toArray(String[]::new));
        return new Output(r.code(), r.out(), r.err());
    }
}
