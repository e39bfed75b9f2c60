package io.akmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.testing.Workload;
import io.akmon.cli.run.LocalPipeline;
import io.akmon.flink.sink.es.EsClient;
import io.akmon.flink.sink.es.IndexNames;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The file family through the whole local pipeline: kernel -> agent -> Kafka -> Flink -> Elasticsearch.
 * A workload making known numbers of file changes (workload.c "files") must come out of the
 * aggregation job with exactly those counts per op, in Kafka and in Elasticsearch, and every path it
 * touched must be in the file records.
 */
class FilePipelineIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long N = 40;

    @Test
    void fileChangesComeOutOfTheAggregatesExactly(@TempDir Path data) throws Exception {
        String comm = Workload.binary().getFileName().toString();
        comm = comm.substring(0, Math.min(15, comm.length()));
        Path dir = data.toRealPath().resolve("work");
        Map<String, Long> expected = new TreeMap<>(Map.of("create", 2 * N, "rename", N, "chmod", N, "truncate", N,
                "chown", N, "unlink", 2 * N + 1, "mkdir", 1L, "rmdir", 1L));
        try (Workload files = Workload.start("files", dir.toString(), Long.toString(N))) {
            LocalPipeline.Options o = new LocalPipeline.Options();
            o.dataDir = data.resolve("local");
            o.window = "2s";
            o.agent.comms = List.of(comm);
            o.agent.pinDir = "";
            o.agent.families = List.of("process", "file");
            o.agent.fileExclude = List.of("/proc", "/sys");
            try (LocalPipeline pipeline = LocalPipeline.start(o, System.err);
                 LocalPipelineIT.Heartbeat heartbeat = new LocalPipelineIT.Heartbeat()) {
                files.go();
                files.finish();
                heartbeat.start(); // later records move event time past the work

                Map<String, JsonNode> windows = new HashMap<>();
                Map<String, Long> counted = Map.of();
                java.util.Set<String> paths = new java.util.HashSet<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                try (KafkaConsumer<byte[], byte[]> c = LocalPipelineIT.consumer(pipeline.bootstrapServers())) {
                    c.subscribe(List.of(LocalPipeline.AGGREGATES_TOPIC, "akmon.file"));
                    while (System.nanoTime() < deadline && !(expected.equals(counted) && paths.size() >= 3 * N)) {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                            // the agent's records come in frames of several (JSON Lines)
                            for (byte[] value : io.akmon.schema.Frames.records(r.value())) {
                                JsonNode a = JSON.readTree(value);
                                if (r.topic().equals("akmon.file")) {
                                    if (a.path("pid").asInt() == files.pid()) {
                                        paths.add(a.path("path").asText());
                                    }
                                } else if ("2s".equals(a.path("resolution").asText())) {
                                    windows.put(a.path("id").asText(), a);
                                }
                            }
                        }
                        counted = fileOps(windows.values(), files.pid());
                    }
                }
                assertEquals(expected, counted, "file changes of the workload across its windows, by op");
                for (long i = 0; i < N; i++) {
                    for (String name : List.of("f" + i, "g" + i, "skip/s" + i)) {
                        assertTrue(paths.contains(dir.resolve(name).toString()), name + " in the file records: " + paths.size());
                    }
                }
                try (EsClient client = EsClient.connect(pipeline.elasticsearchUrl())) {
                    String metrics = IndexNames.defaults().alias(IndexNames.METRICS);
                    Map<String, Long> inEs = Map.of();
                    long esDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (System.nanoTime() < esDeadline && !expected.equals(inEs)) {
                        client.call("POST", "/" + metrics + "/_refresh", null, true);
                        inEs = fileOps(LocalPipelineIT.search(client, metrics, "resolution:\"2s\" AND pid:" + files.pid()), files.pid());
                        Thread.sleep(500);
                    }
                    assertEquals(expected, inEs, "file changes in Elasticsearch");
                }
                assertTrue(pipeline.jobFailure() == null, "the jobs kept running: " + pipeline.jobFailure());
            }
        }
    }

    private static Map<String, Long> fileOps(Iterable<JsonNode> aggregates, int pid) {
        Map<String, Long> n = new TreeMap<>();
        for (JsonNode a : aggregates) {
            if ("process".equals(a.path("kind").asText()) && a.path("pid").asInt() == pid) {
                for (JsonNode s : a.path("file_ops")) {
                    n.merge(s.path("name").asText(), s.path("count").asLong(), Long::sum);
                }
            }
        }
        return n;
    }
}
