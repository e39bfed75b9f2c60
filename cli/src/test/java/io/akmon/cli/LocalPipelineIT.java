package io.akmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.testing.Workload;
import io.akmon.cli.run.LocalPipeline;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local pipeline as {@code akmon run} starts it: kernel -> agent -> Kafka -> Flink. A workload
 * with known counts must come out of the aggregation job exactly, and stopping must leave no probe,
 * broker or job behind.
 */
class LocalPipelineIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CALLS = 250_000;
    private static final int CHILDREN = 12;

    @Test
    void aKnownWorkloadComesOutExactlyAndStoppingLeavesNothingBehind(@TempDir Path data) throws Exception {
        int programsBefore = akmonPrograms();
        String bootstrap;
        String rest;
        try (Workload calls = Workload.start("getppid", Long.toString(CALLS));
             Workload spawner = Workload.start("spawn", Integer.toString(CHILDREN), "3")) {
            LocalPipeline.Options o = new LocalPipeline.Options();
            o.dataDir = data;
            o.window = "2s";
            o.agent.pids = List.of(calls.pid(), spawner.pid());
            o.agent.pinDir = "";
            try (LocalPipeline pipeline = LocalPipeline.start(o, System.err)) {
                bootstrap = pipeline.bootstrapServers();
                rest = pipeline.flinkRestUrl();
                calls.go();
                spawner.go();
                calls.finish();
                spawner.finish();

                Map<String, JsonNode> windows = new HashMap<>(); // by document id: a window updated late replaces itself
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                long getppid = 0;
                long exitsWithCode3 = 0;
                try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
                    c.subscribe(List.of(LocalPipeline.AGGREGATES_TOPIC));
                    while (System.nanoTime() < deadline && (getppid < CALLS || exitsWithCode3 < CHILDREN)) {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                            JsonNode a = JSON.readTree(r.value());
                            if ("2s".equals(a.path("resolution").asText())) {
                                windows.put(a.path("id").asText(), a);
                            }
                        }
                        getppid = 0;
                        exitsWithCode3 = 0;
                        for (JsonNode a : windows.values()) {
                            if ("process".equals(a.path("kind").asText()) && a.path("pid").asInt() == calls.pid()) {
                                for (JsonNode s : a.path("syscalls")) {
                                    if ("getppid".equals(s.path("name").asText())) {
                                        getppid += s.path("count").asLong();
                                    }
                                }
                            }
                            if ("host".equals(a.path("kind").asText())) {
                                exitsWithCode3 += a.path("exits_by_code").path("3").asLong();
                            }
                        }
                    }
                }
                assertEquals(CALLS, getppid, "getppid calls of the workload across its windows");
                assertEquals(CHILDREN, exitsWithCode3, "children exiting with code 3, from the host aggregates");
                assertTrue(pipeline.jobFailure() == null, "the job kept running: " + pipeline.jobFailure());
            }
        }
        assertEquals(programsBefore, akmonPrograms(), "every probe detached");
        assertFalse(listening(bootstrap), "Kafka stopped");
        assertFalse(listening(rest.replace("http://", "")), "Flink stopped");
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "local-pipeline-it");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static boolean listening(String hostPort) {
        String[] hp = hostPort.split(":");
        try (Socket s = new Socket(hp[0], Integer.parseInt(hp[1]))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int akmonPrograms() throws Exception {
        Process p = new ProcessBuilder("bpftool", "-j", "prog", "show").start();
        JsonNode progs = JSON.readTree(p.getInputStream().readAllBytes());
        p.waitFor();
        int n = 0;
        for (JsonNode prog : progs) {
            if (prog.path("name").asText().startsWith("akmon_")) {
                n++;
            }
        }
        return n;
    }
}
