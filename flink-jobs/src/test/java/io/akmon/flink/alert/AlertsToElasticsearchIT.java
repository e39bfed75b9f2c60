package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedElasticsearch;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.sink.es.EsClient;
import io.akmon.flink.testing.InjectedFaults;
import io.akmon.flink.testing.KafkaIo;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
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
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Alerts to a real Elasticsearch node on the at-least-once path (flushed every few hundred ms, not at
 * checkpoints), beside the exactly-once alerts topic: a task failure mid-stream, which replays the records
 * after the last checkpoint and so fires some alerts again, and a second run over the same history, which
 * fires every alert again, both leave exactly one document per match, under its deterministic id.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AlertsToElasticsearchIT {
    private static final String FORKS = "es-it.akmon.fork";
    private static final String ALERTS = "es-it.akmon.alerts";
    private static final String DEAD = "es-it.akmon.deadletter";
    private static final int STORMS = 6;
    private static final int FORKS_PER_STORM = 60;
    private static final long T0 = (System.currentTimeMillis() - 3_600_000L) / 10_000 * 10_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1).build());

    static EmbeddedKafka kafka;
    static EmbeddedElasticsearch es;
    static EsClient client;
    static long records;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(1, FORKS, ALERTS, DEAD, "es-it.akmon.aggregates");
        es = EmbeddedElasticsearch.start();
        client = EsClient.connect(es.httpUrl());
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            long seq = 0;
            // Parent 100 + s forks 60 children, 50 ms apart, 10 s after the previous parent: one fork-storm
            // match each (51 forks; the other 9 are too few for a second).
            for (int s = 0; s < STORMS; s++) {
                for (int i = 0; i < FORKS_PER_STORM; i++) {
                    long ts = firstFork(s) + i * 50L;
                    p.send(new ProducerRecord<>(FORKS, fork(++seq, 100 + s, 1000 * (s + 1) + i, ts)
                            .getBytes(StandardCharsets.UTF_8)));
                }
            }
            // Moves event time on past every storm's window.
            p.send(new ProducerRecord<>(FORKS, fork(++seq, 1, 2, T0 + 600_000L).getBytes(StandardCharsets.UTF_8)));
            p.flush();
            records = seq;
        }
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (es != null) {
            es.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static long firstFork(int storm) {
        return T0 + storm * 10_000L;
    }

    static String fork(long seq, int ppid, int pid, long tsMs) {
        return "{\"type\":\"fork\",\"schema_version\":1,\"host\":\"h1\",\"boot_id\":\"b1\",\"cpu\":0,\"seq\":" + seq
                + ",\"ts\":" + tsMs * 1_000_000L + ",\"pid\":" + pid + ",\"comm\":\"forker\",\"ppid\":" + ppid + "}";
    }

    static AlertOptions options(String run) {
        AlertOptions o = new AlertOptions();
        new picocli.CommandLine(o).parseArgs(
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--topics", FORKS,
                "--alerts-topic", ALERTS + "." + run,
                "--dead-letter-topic", DEAD,
                "--group-id", "es-it-" + run,
                "--transactional-id-prefix", "es-it-" + run,
                "--checkpoint-interval", "300ms",
                "--parallelism", "1",
                "--restart-attempts", "5",
                "--es", es.httpUrl(),
                "--es-index-prefix", "alerts-it",
                "--es-flush-interval", "200ms",
                "--es-retention-days", "0");
        kafka.createTopics(1, o.alertsTopic);
        return o;
    }

    /** Runs the alert job over the whole history to its end, with a task failure once it has checkpointed. */
    static void run(String run, boolean fail, MiniCluster cluster) throws Exception {
        AlertOptions o = options(run);
        InjectedFaults.reset(fail ? 20_000 : 0); // 20 ms a record: about 7 s, long enough to checkpoint
        AlertJob job = new AlertJob(o, AlertJob.loadRules(o),
                AlertJob.kafkaSource(o, List.of(FORKS), new InjectedFaults(), OffsetsInitializer.earliest(),
                        OffsetsInitializer.latest()),
                null, AlertJob.sinks(o));
        JobClient client = job.start(StreamExecutionEnvironment.getExecutionEnvironment());
        if (fail) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!(completedCheckpoints(cluster, client) >= 1 && InjectedFaults.RECORDS.get() > records / 3)) {
                assertTrue(System.nanoTime() < deadline, "no checkpoint before a third of the input");
                Thread.sleep(20);
            }
            InjectedFaults.ARMED.set(true);
        }
        client.getJobExecutionResult().get(4, TimeUnit.MINUTES);
        if (fail) {
            assertTrue(InjectedFaults.FAILED.get(), "the injected task failure happened");
            assertTrue(InjectedFaults.RECORDS.get() > records, "records after the checkpoint were read again: "
                    + InjectedFaults.RECORDS.get() + " reads of " + records);
        }
        // The alerts topic stays exactly-once: one committed record per match.
        List<String> committed = KafkaIo.readCommitted(kafka.bootstrapServers(), o.alertsTopic);
        assertEquals(STORMS, committed.size(), committed.toString());
    }

    static long completedCheckpoints(MiniCluster cluster, JobClient job) {
        try {
            return cluster.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot().getCounts()
                    .getNumberOfCompletedCheckpoints();
        } catch (Exception e) {
            return 0;
        }
    }

    /** The stored alerts by id, with their versions. */
    static Map<String, JsonNode> stored() {
        client.call("POST", "/alerts-it-alerts/_refresh", null);
        JsonNode hits = client.call("POST", "/alerts-it-alerts/_search", Map.of("size", 1000, "version", true,
                "query", Map.of("match_all", Map.of()))).path("hits").path("hits");
        Map<String, JsonNode> docs = new TreeMap<>();
        hits.forEach(h -> {
            JsonNode prev = docs.put(h.path("_id").asText(), h);
            assertTrue(prev == null, "two documents with id " + h.path("_id").asText());
        });
        return docs;
    }

    @Test
    void aFailureAndAFullReplayLeaveExactlyOneAlertDocumentPerMatch(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        Set<String> expected = new TreeSet<>();
        for (int s = 0; s < STORMS; s++) {
            expected.add("fork-storm/host=h1,ppid=" + (100 + s) + "/" + firstFork(s));
        }

        run("failure", true, cluster);
        Map<String, JsonNode> afterFailure = stored();
        assertEquals(expected, afterFailure.keySet());
        for (int s = 0; s < STORMS; s++) {
            JsonNode a = afterFailure.get("fork-storm/host=h1,ppid=" + (100 + s) + "/" + firstFork(s)).path("_source");
            assertEquals("fork-storm", a.path("rule").asText());
            assertEquals(100 + s, a.path("key_fields").path("ppid").asLong());
            assertEquals(firstFork(s), a.path("first_matched").asLong());
            assertEquals(firstFork(s) + 50L * 50, a.path("last_matched").asLong());
            assertTrue(a.path("message").asText().contains("pid " + (100 + s) + " forked 51 processes"),
                    a.path("message").asText());
        }

        // Every alert fired again by a run without state: overwritten in place, still one document each.
        run("replay", false, cluster);
        Map<String, JsonNode> afterReplay = stored();
        assertEquals(expected, afterReplay.keySet());
        for (JsonNode h : afterReplay.values()) {
            assertTrue(h.path("_version").asLong() >= 2, "written again by the replay: " + h);
            assertEquals(afterFailure.get(h.path("_id").asText()).path("_source"), h.path("_source"));
        }
    }
}
