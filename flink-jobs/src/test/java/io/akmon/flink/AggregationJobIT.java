package io.akmon.flink;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.sink.KafkaSinks;
import io.akmon.flink.testing.InjectedFaults;
import io.akmon.flink.testing.KafkaIo;
import io.akmon.flink.testing.Workload;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole job on a MiniCluster against a real Kafka broker: a generated stream with known totals
 * (several hosts and processes, out of order, duplicated, with lost records and poison records) must
 * give exactly the expected aggregates, also when a task fails mid-stream and when the job is stopped
 * with a savepoint and restored.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class AggregationJobIT {
    private static final int PARALLELISM = 2;
    private static final List<String> POISON = List.of(
            "this is not json",
            "{\"type\":\"teleport\",\"schema_version\":1,\"host\":\"host-0\",\"boot_id\":\"b\",\"cpu\":0,\"seq\":1,\"ts\":1}",
            "{\"type\":\"cpu\",\"schema_version\":2,\"host\":\"host-0\",\"boot_id\":\"b\",\"cpu\":0,\"seq\":1,\"ts\":1,\"on_cpu_ns\":5}");

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(PARALLELISM).build());

    private static EmbeddedKafka kafka;
    private static Workload workload;
    private static Map<String, JsonNode> baseline;
    private static final String SAVEPOINT_PREFIX = "sp.";

    @BeforeAll
    static void startKafkaAndWriteInput() throws Exception {
        kafka = EmbeddedKafka.start();
        workload = new Workload(4, 6, 42);
        KafkaIo.writeInput(kafka, workload, "", POISON, false);
        KafkaIo.writeInput(kafka, workload, SAVEPOINT_PREFIX, POISON, true);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static JobOptions options(String run, boolean bounded, String inputPrefix) {
        String topics = JobOptions.DEFAULT_TOPICS.replace("akmon.", inputPrefix + "akmon.");
        JobOptions o = JobOptions.parse(
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--topics", topics,
                "--group-id", "it-" + run,
                "--starting-offsets", "earliest",
                "--aggregates-topic", "akmon.aggregates." + run,
                "--dead-letter-topic", "akmon.deadletter." + run,
                "--transactional-id-prefix", "it-" + run,
                "--checkpoint-interval", "300ms",
                "--parallelism", String.valueOf(PARALLELISM),
                "--job-name", "aggregation-" + run,
                // Small fetches interleave the partitions of the backlog, as live traffic would.
                "--kafka-property", "max.partition.fetch.bytes=8192");
        o.bounded = bounded;
        kafka.createTopics(1, o.aggregatesTopic, o.deadLetterTopic);
        return o;
    }

    private static StreamGraph graph(JobOptions o) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(AggregationJob.flinkConfiguration(o));
        new AggregationJob(o, AggregationJob.kafkaSource(o, new InjectedFaults()),
                KafkaSinks.aggregates(o), KafkaSinks.deadLetters(o)).build(env);
        return env.getStreamGraph();
    }

    private static JobClient submit(StreamGraph graph) throws Exception {
        return StreamExecutionEnvironment.getExecutionEnvironment().executeAsync(graph);
    }

    private static List<String> readCommitted(String topic) {
        return KafkaIo.readCommitted(kafka.bootstrapServers(), topic);
    }

    private static Map<String, JsonNode> aggregates(String topic) {
        return KafkaIo.aggregates(kafka.bootstrapServers(), topic);
    }

    private static long committedEnd(String topic) {
        return KafkaIo.committedEnd(kafka.bootstrapServers(), topic);
    }

    private static synchronized Map<String, JsonNode> baseline() throws Exception {
        if (baseline == null) {
            InjectedFaults.reset(0);
            JobOptions o = options("baseline", true, "");
            submit(graph(o)).getJobExecutionResult().get();
            baseline = aggregates(o.aggregatesTopic);
            List<String> dead = readCommitted(o.deadLetterTopic);
            assertEquals(POISON.size(), dead.size(), "each poison record once in the dead-letter topic: " + dead);
            String all = String.join("\n", dead);
            for (String reason : List.of("not JSON", "unknown type 'teleport'", "future schema version 2")) {
                assertTrue(all.contains(reason), reason + " in " + all);
            }
        }
        return baseline;
    }

    @Test
    void generatedStreamGivesExactlyTheExpectedAggregates() throws Exception {
        Map<String, JsonNode> actual = baseline();
        workload.assertMatches(actual);
        // The stream had real losses, and every process document carries its host's coverage.
        assertTrue(actual.values().stream().anyMatch(n -> n.get("coverage").asDouble() < 1.0));
        for (JsonNode n : actual.values()) {
            if (n.get("kind").asText().equals("process")) {
                String hostId = "host/" + n.get("resolution").asText() + "/" + n.get("host").asText() + "/"
                        + n.get("timestamp").asText();
                assertEquals(actual.get(hostId).get("coverage").asDouble(), n.get("coverage").asDouble(), 0.0);
            }
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    private static long completedCheckpoints(MiniCluster cluster, JobID job) {
        try {
            return cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot().getCounts()
                    .getNumberOfCompletedCheckpoints();
        } catch (Exception e) {
            return 0;
        }
    }

    @Test
    void aTaskFailureMidStreamRestartsFromTheCheckpointWithoutDoubleCounting(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        Map<String, JsonNode> expected = baseline();
        InjectedFaults.reset(400);
        JobOptions o = options("failure", true, "");
        JobClient job = submit(graph(o));
        long total = workload.sendOrder.size();
        await("a checkpoint and a third of the input", () -> completedCheckpoints(cluster, job.getJobID()) >= 1
                && InjectedFaults.RECORDS.get() > total / 3);
        InjectedFaults.ARMED.set(true);
        job.getJobExecutionResult().get();

        assertTrue(InjectedFaults.FAILED.get(), "the task failure happened mid-stream");
        assertTrue(InjectedFaults.RECORDS.get() > total, "records after the restart were read again from the checkpoint");
        assertEquals(expected, aggregates(o.aggregatesTopic));
        assertEquals(POISON.size(), readCommitted(o.deadLetterTopic).size());
    }

    @Test
    void stopWithSavepointAndRestoreGivesTheSameAggregates(@TempDir Path savepoints) throws Exception {
        Map<String, JsonNode> expected = baseline();
        InjectedFaults.reset(1000);
        // Unbounded: a bounded Kafka source restored from a savepoint never finishes (FLINK-31006).
        JobOptions o = options("savepoint", false, SAVEPOINT_PREFIX);
        JobClient first = submit(graph(o));
        long total = workload.sendOrder.size();
        await("some windows committed", () -> committedEnd(o.aggregatesTopic) > 0);
        String savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get();
        assertTrue(InjectedFaults.RECORDS.get() < total, "stopped mid-stream");
        Map<String, JsonNode> partial = aggregates(o.aggregatesTopic);
        assertFalse(partial.isEmpty(), "windows closed before the savepoint were committed");
        assertTrue(partial.size() < expected.size());

        InjectedFaults.reset(0);
        StreamGraph resumed = graph(o);
        resumed.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        JobClient second = submit(resumed);
        try {
            await("every window of the workload", () -> committedEnd(o.aggregatesTopic) > 0
                    && aggregates(o.aggregatesTopic).size() >= expected.size());
        } finally {
            second.cancel().get();
        }
        assertEquals(expected, aggregates(o.aggregatesTopic));
        assertEquals(POISON.size(), readCommitted(o.deadLetterTopic).size());
    }
}
