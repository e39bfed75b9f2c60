package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.alert.rules.RuleParser;
import io.akmon.flink.alert.rules.RuleSet;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.KafkaIo;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
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
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Changing rules on a running deployment as RULES.md documents it: stop with a savepoint, start from it
 * with the edited file. A rule whose threshold and message changed keeps its partial match across the
 * restart; a reshaped rule gets a new operator uid and starts empty.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RuleChangeSavepointIT {
    private static final String EXITS = "sp.akmon.exit";
    private static final String ALERTS = "sp.akmon.alerts";
    private static final long T0 = (System.currentTimeMillis() - 3_600_000L) / 1000 * 1000;

    private static final String RULES_V1 = """
            params:
              crashes: 3
            rules:
              - name: crashes
                severity: critical
                key: [host, comm]
                within: 10m
                throttle: 1m
                message: "v1 {key.comm} {crash.count}"
                steps:
                  - name: crash
                    type: exit
                    where: {exit_code: {ne: 0}}
                    times: "${crashes}"
            """;
    /** Same shape; a different condition and message. */
    private static final String RULES_V2 = RULES_V1.replace("{exit_code: {ne: 0}}", "{exit_code: {gt: 0}}")
            .replace("v1 {key.comm}", "v2 {key.comm}");

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static EmbeddedKafka kafka;
    private static KafkaProducer<byte[], byte[]> producer;
    private static long seq;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(EXITS, 1, (short) 1), new NewTopic(ALERTS, 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopKafka() {
        if (producer != null) {
            producer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void crash(String comm, int code, long tsMs) {
        String json = "{\"type\":\"exit\",\"schema_version\":1,\"host\":\"h1\",\"boot_id\":\"b1\",\"cpu\":0,\"seq\":"
                + (++seq) + ",\"ts\":" + tsMs * 1_000_000L + ",\"pid\":" + (1000 + seq) + ",\"comm\":\"" + comm
                + "\",\"ppid\":1,\"exit_code\":" + code + ",\"signal\":0,\"core_dumped\":false,\"lifetime_ns\":1}";
        producer.send(new ProducerRecord<>(EXITS, null, tsMs, null, json.getBytes(StandardCharsets.UTF_8)));
        producer.flush();
    }

    private static StreamGraph graph(RuleSet rules) {
        AlertOptions o = new AlertOptions();
        new picocli.CommandLine(o).parseArgs("--bootstrap-servers", kafka.bootstrapServers(), "--topics", EXITS,
                "--aggregates-topic", "", "--alerts-topic", ALERTS, "--group-id", "sp",
                "--starting-offsets", "earliest", "--transactional-id-prefix", "sp", "--checkpoint-interval", "1s",
                "--idle-partition-timeout", "1s", "--parallelism", "1");
        AlertJob job = new AlertJob(o, rules, AlertJob.eventSource(o, null, null), null,
                List.of(AlertSinks.kafka(o)));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        job.configure(env);
        return env.getStreamGraph();
    }

    @Test
    void editedRuleResumesItsPartialMatchFromTheSavepoint(@TempDir Path savepoints) throws Exception {
        RuleSet v1 = RuleParser.parse(RULES_V1, "v1.yaml", Map.of()).orThrow();
        RuleSet v2 = RuleParser.parse(RULES_V2, "v2.yaml", Map.of()).orThrow();
        assertEquals(v1.rule("crashes").uid(), v2.rule("crashes").uid());
        RuleSet reshaped = RuleParser.parse(RULES_V1.replace("within: 10m", "within: 5m"), "v3.yaml", Map.of())
                .orThrow();
        assertNotEquals(v1.rule("crashes").uid(), reshaped.rule("crashes").uid());

        // Two crashes before the change, and a later clean exit so event time passes them.
        crash("worker", 1, T0);
        crash("worker", 1, T0 + 1000);
        crash("other", 0, T0 + 20_000);
        JobClient first = StreamExecutionEnvironment.getExecutionEnvironment().executeAsync(graph(v1));
        // Let the job read all three and checkpoint them.
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline && !consumed(first)) {
            Thread.sleep(500);
        }
        String savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
        assertEquals(List.of(), KafkaIo.readCommitted(kafka.bootstrapServers(), ALERTS));

        // The third crash arrives while the job restarts with the edited rules.
        crash("worker", 2, T0 + 30_000);
        crash("other", 0, T0 + 60_000);
        StreamGraph resumed = graph(v2);
        resumed.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, true));
        JobClient second = StreamExecutionEnvironment.getExecutionEnvironment().executeAsync(resumed);
        try {
            List<String> alerts = List.of();
            deadline = System.currentTimeMillis() + 60_000;
            while (alerts.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(500);
                alerts = KafkaIo.readCommitted(kafka.bootstrapServers(), ALERTS);
            }
            Thread.sleep(2000);
            alerts = KafkaIo.readCommitted(kafka.bootstrapServers(), ALERTS);
            assertEquals(1, alerts.size(), alerts.toString());
            JsonNode a = Json.MAPPER.readTree(alerts.get(0));
            assertEquals("v2 worker 3", a.get("message").asText());
            assertEquals(T0, a.get("first_matched").asLong());
            assertEquals(T0 + 30_000, a.get("last_matched").asLong());
        } finally {
            second.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    /** Whether the job's consumer group has committed offsets past the three records (done on checkpoints). */
    private static boolean consumed(JobClient client) throws Exception {
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(ap)) {
            var offsets = admin.listConsumerGroupOffsets("sp").partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            return offsets.values().stream().anyMatch(m -> m != null && m.offset() >= 3);
        }
    }
}
