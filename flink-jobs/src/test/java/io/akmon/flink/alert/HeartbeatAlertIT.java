package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.KafkaIo;
import io.akmon.flink.testing.Records;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
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
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alert job against a real broker, with watermarks that only heartbeats can move: the out-of-orderness
 * and the idle timeout are ten minutes, and the exit topic receives nothing but heartbeats. A fork storm
 * raises no alert while no heartbeats come (the idle exit partition holds the watermark, and the storm's own
 * partitions are ten minutes from passing it); once heartbeats come, as the agent sends them, the alert
 * arrives, once, with its deterministic id, and heartbeats leave no dead letters.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HeartbeatAlertIT {
    private static final String FORKS = "hb.akmon.fork";
    private static final String EXITS = "hb.akmon.exit";
    private static final String ALERTS = "hb.akmon.alerts";
    private static final String DEAD = "hb.akmon.deadletter";
    private static final String HOST = "h1";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(2, FORKS);
        kafka.createTopics(1, EXITS, ALERTS, DEAD);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void heartbeatsOnAnOtherwiseIdlePartitionBringTheAlert() throws Exception {
        AlertOptions o = new AlertOptions();
        new picocli.CommandLine(o).parseArgs("--bootstrap-servers", kafka.bootstrapServers(),
                "--topics", FORKS + "," + EXITS, "--alerts-topic", ALERTS, "--dead-letter-topic", DEAD,
                "--group-id", "hb-it", "--starting-offsets", "earliest", "--transactional-id-prefix", "hb-it",
                "--checkpoint-interval", "1s", "--out-of-orderness", "10m", "--idle-partition-timeout", "10m",
                "--parallelism", "2");
        AlertJob job = new AlertJob(o, AlertJob.loadRules(o), AlertJob.eventSource(o, null, null), null,
                List.of(AlertSinks.kafka(o)));
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
        JobClient client = job.start(StreamExecutionEnvironment.getExecutionEnvironment());
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            long first = System.currentTimeMillis();
            for (int i = 0; i < 51; i++) { // pid 8 forks 51 children: fork-storm (more than 50 within 10 s)
                io.akmon.flink.ingest.Event fork = Records.fork(HOST, i % 2, i / 2 + 1, first + i, 800 + i, 8, "forker");
                p.send(new ProducerRecord<>(FORKS, (HOST + "/" + fork.pid).getBytes(StandardCharsets.UTF_8), Records.json(fork)));
            }
            p.flush();
            Thread.sleep(8_000); // the job has read the storm meanwhile (it starts from the earliest offsets)
            assertEquals(List.of(), KafkaIo.readCommitted(kafka.bootstrapServers(), ALERTS),
                    "no heartbeats: the watermark cannot pass the storm");

            long[] started = {0};
            beats.scheduleAtFixedRate(() -> {
                long now = System.currentTimeMillis();
                started[0] = started[0] == 0 ? now : started[0];
                byte[] beat = Records.json(Records.heartbeat(HOST, now - 10));
                p.send(new ProducerRecord<>(FORKS, 0, null, beat));
                p.send(new ProducerRecord<>(FORKS, 1, null, beat));
                p.send(new ProducerRecord<>(EXITS, 0, null, beat)); // the partition that sees nothing else
            }, 0, 100, TimeUnit.MILLISECONDS);
            List<String> alerts = List.of();
            long deadline = System.currentTimeMillis() + 60_000;
            while (alerts.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
                alerts = KafkaIo.readCommitted(kafka.bootstrapServers(), ALERTS);
            }
            long after = System.currentTimeMillis() - started[0];
            assertEquals(1, alerts.size(), alerts.toString());
            Thread.sleep(3_000); // more checkpoints, more heartbeats: still the one alert
            alerts = KafkaIo.readCommitted(kafka.bootstrapServers(), ALERTS);
            assertEquals(1, alerts.size(), alerts.toString());
            JsonNode storm = Json.MAPPER.readTree(alerts.get(0));
            assertEquals("fork-storm", storm.get("rule").asText());
            assertEquals("host=h1 ppid=8", storm.get("key").asText());
            assertEquals("fork-storm/host=h1,ppid=8/" + first, storm.get("id").asText());
            assertEquals(first + 50, storm.get("last_matched").asLong());
            assertTrue(after < 30_000, "the alert took " + after + " ms after the first heartbeat");
            assertEquals(List.of(), KafkaIo.readCommitted(kafka.bootstrapServers(), DEAD), "heartbeats are no dead letters");
        } finally {
            beats.shutdownNow();
            client.cancel().get(30, TimeUnit.SECONDS);
        }
    }
}
