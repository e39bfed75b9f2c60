package io.akmon.flink.config;

import io.akmon.flink.AggregationJob;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobOptionsTest {
    @Test
    void rocksDbGetsWriteBuffersThatFitTheSharedMemoryAndTheHeapBackendNone() {
        Configuration rocks = AggregationJob.flinkConfiguration(JobOptions.parse("--state-backend", "rocksdb"));
        assertEquals("rocksdb", rocks.get(StateBackendOptions.STATE_BACKEND));
        assertEquals(MemorySize.parse("4mb"), rocks.get(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE));
        Configuration heap = AggregationJob.flinkConfiguration(JobOptions.parse());
        assertEquals("hashmap", heap.get(StateBackendOptions.STATE_BACKEND));
        assertFalse(heap.contains(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE));
    }

    @Test
    void defaultsMatchTheDocumentedLayout() {
        JobOptions o = JobOptions.parse();
        assertEquals("localhost:9092", o.bootstrapServers);
        assertEquals(List.of("akmon.fork", "akmon.exec", "akmon.exit", "akmon.syscall", "akmon.cpu", "akmon.memory",
                "akmon.disk", "akmon.net", "akmon.lost", "akmon.agent", "akmon.host", "akmon.file"), o.topics);
        assertEquals("akmon.aggregates", o.aggregatesTopic);
        assertEquals("akmon.aggregates.live", o.liveTopic);
        assertEquals("akmon.deadletter", o.deadLetterTopic);
        assertEquals(Duration.ofSeconds(10), o.window);
        assertEquals(List.of(Duration.ofSeconds(10), Duration.ofMinutes(1)), o.resolutions());
        assertEquals(Duration.ofSeconds(40), o.dedupHoldOrDefault());
        assertEquals("heap", o.stateBackend);
        assertEquals("10s", JobOptions.label(o.window));
        assertEquals("1m", JobOptions.label(o.rollupWindow));
    }

    @Test
    void flagsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("job.properties");
        Files.writeString(file, "bootstrap-servers=kafka:9092\nwindow=5s\nrollup-window=0\nstate-backend=rocksdb\n"
                + "topics=a,b\n");
        JobOptions o = JobOptions.parse("--config", file.toString(), "--window", "2s",
                "--kafka-property", "security.protocol=SSL");
        assertEquals("kafka:9092", o.bootstrapServers);
        assertEquals(Duration.ofSeconds(2), o.window);
        assertEquals(List.of(Duration.ofSeconds(2)), o.resolutions());
        assertEquals("rocksdb", o.stateBackend);
        assertEquals(List.of("a", "b"), o.topics);
        assertEquals("SSL", o.kafkaProperties.get("security.protocol"));
    }

    @Test
    void rejectsInconsistentSettings() {
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("--state-backend", "leveldb"));
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("--window", "7s"));
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("--dedup-hold", "5s"));
    }

    @Test
    void theLiveTopicGetsASinkOfItsOwnUnlessEmptyOrWithoutLivePartials() {
        assertEquals(java.util.Set.of(AggregationJob.KAFKA_SINK_UID, AggregationJob.LIVE_SINK_UID),
                AggregationJob.aggregateSinks(JobOptions.parse("--sinks", "kafka")).keySet());
        assertEquals(java.util.Set.of(AggregationJob.KAFKA_SINK_UID),
                AggregationJob.aggregateSinks(JobOptions.parse("--sinks", "kafka", "--live-topic", "")).keySet());
        assertEquals(java.util.Set.of(AggregationJob.KAFKA_SINK_UID),
                AggregationJob.aggregateSinks(JobOptions.parse("--sinks", "kafka", "--live-interval", "0")).keySet());
    }

    @Test
    void helpDocumentsEveryOption() {
        String usage = JobOptions.usage();
        for (String option : List.of("--config", "--bootstrap-servers", "--topics", "--topic-pattern", "--group-id",
                "--starting-offsets", "--bounded", "--kafka-property", "--aggregates-topic", "--live-topic", "--dead-letter-topic",
                "--window", "--rollup-window", "--allowed-lateness", "--out-of-orderness", "--idle-partition-timeout",
                "--max-clock-skew", "--dedup-hold", "--stream-idle-timeout", "--process-idle-timeout", "--checkpoint-interval",
                "--checkpoint-dir", "--state-backend", "--parallelism", "--restart-attempts")) {
            assertTrue(usage.contains(option), option + " missing from --help");
        }
    }

    @Test
    void bothJobsTakeTheNamedKafkaSecurityOptionsAndAKafkaPropertyWinsOverThem(@TempDir Path dir) throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "secret\n");
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        String[] args = {"--kafka-user", "akmon", "--kafka-password-file", pw.toString(), "--kafka-ca", ca.toString(),
                "--kafka-property", "sasl.mechanism=SCRAM-SHA-256"};
        for (java.util.Map<String, String> p : List.of(JobOptions.parse(args).kafkaProperties,
                io.akmon.flink.alert.AlertOptions.parse(args).kafkaProperties)) {
            assertEquals("SASL_SSL", p.get("security.protocol"));
            assertEquals(ca.toString(), p.get("ssl.truststore.location"));
            assertEquals("SCRAM-SHA-256", p.get("sasl.mechanism"));
            assertTrue(p.get("sasl.jaas.config").contains("username=\"akmon\" password=\"secret\""), p.get("sasl.jaas.config"));
        }
        CommandLines.UsageException e = assertThrows(CommandLines.UsageException.class,
                () -> JobOptions.parse("--kafka-user", "akmon", "--kafka-password-file", dir.resolve("none").toString()));
        assertTrue(e.getMessage().startsWith("akmon-aggregation-job: --kafka-password-file " + dir.resolve("none")
                + " is not a readable file; fix: "), e.getMessage());
    }
}
