package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.sink.Json;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Flink Elasticsearch sink against a real Elasticsearch 7.10 node. */
class ElasticsearchSinkIT {
    @RegisterExtension
    static final EsNode ES = new EsNode();

    static String encode(String id) {
        return java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8);
    }

    static Map<String, JsonNode> expected(AggregateFixtures fixtures, int windows) throws java.io.IOException {
        Map<String, JsonNode> docs = new TreeMap<>();
        for (Aggregate a : fixtures.all(windows)) {
            docs.put(a.id, Json.MAPPER.readTree(Json.bytes(a)));
            for (Map<String, Object> perName : AggregateEmitter.syscallDocuments(a)) {
                docs.put((String) perName.get("id"), Json.MAPPER.readTree(Json.bytes(perName)));
            }
        }
        return docs;
    }

    @Test
    void writesEachAggregateUnderItsIdIntoTheDailyIndexAndAReplayOverwrites() throws Exception {
        EsSinkOptions options = ES.options("replay");
        long end = Instant.parse("2026-11-24T12:00:05Z").toEpochMilli();
        int windows = 4;
        AggregateFixtures fixtures = new AggregateFixtures(end, windows);
        SinkPipeline.run(options, end, windows);

        Map<String, JsonNode> first = ES.documents("replay-metrics");
        assertEquals(windows * AggregateFixtures.PER_WINDOW,
                first.values().stream().filter(d -> !d.path("kind").asText().equals(AggregateEmitter.SYSCALL_KIND)).count());
        assertEquals(expected(fixtures, windows), first);
        // Every document sits in the daily index of its own time. Setup also creates the index of the day
        // it runs on, which stays empty here (the fixtures lie on 2026-11-24).
        String day = "replay-metrics-2026.11.24";
        List<String> indices = Retention.indices(ES.client(), "replay-metrics-*");
        assertTrue(indices.contains(day) && indices.size() <= 2, indices.toString());
        assertEquals(first.size(), ES.client().get("/" + day + "/_count").path("count").asLong());
        for (String other : indices) {
            if (!other.equals(day)) {
                assertEquals(0, ES.client().get("/" + other + "/_count").path("count").asLong(), other + " holds documents");
            }
        }

        JsonNode proc = ES.client().get("/replay-metrics-2026.11.24/_doc/" + encode("process/10s/node-a/1001/" + fixtures.firstWindow()));
        assertEquals(1, proc.path("_version").asLong());
        assertEquals("postgres", proc.path("_source").path("comm").asText());
        assertEquals(1001, proc.path("_source").path("pid").asLong());

        // The design's names resolve through field aliases: cpu_usage -> cpu_pct, memory_usage -> rss_bytes.
        JsonNode busy = ES.client().call("POST", "/replay-metrics/_search", Map.of("size", 0,
                "query", Map.of("bool", Map.of("filter", List.of(
                        Map.of("term", Map.of("kind", "process")),
                        Map.of("range", Map.of("cpu_usage", Map.of("gte", 25)))))),
                "aggs", Map.of("mem", Map.of("max", Map.of("field", "memory_usage")))));
        // node-b (factor 2) processes 2 and 3 and node-a process 3 reach 25 % in every window.
        assertEquals(3L * windows, busy.path("hits").path("total").path("value").asLong());
        assertEquals((double) ((100L + 30 + windows - 1) << 20), busy.path("aggregations").path("mem").path("value").asDouble());

        // The whole run again (a replay after a failure): same ids, same content, no second copy.
        SinkPipeline.run(options, end, windows);
        Map<String, JsonNode> second = ES.documents("replay-metrics");
        assertEquals(first, second);
        assertEquals(2, ES.client().get("/replay-metrics-2026.11.24/_doc/" + encode("process/10s/node-a/1001/" + fixtures.firstWindow())).path("_version").asLong());
    }

    @Test
    void anOutageInTheMiddleEndsWithTheSameDocumentsAsARunWithoutIt() throws Exception {
        long end = Instant.parse("2026-11-24T13:00:05Z").toEpochMilli();
        int windows = 20;
        int total = expected(new AggregateFixtures(end, windows), windows).size();
        EsSinkOptions options = ES.options("outage");
        JobClient job = SinkPipeline.start(options, end, windows, 40);

        // Wait until part of the run is stored, then take Elasticsearch away while the job runs.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int stored = 0;
        while (System.nanoTime() < deadline) {
            try {
                stored = ES.documents("outage-metrics").size();
            } catch (EsClient.EsException e) {
                stored = 0;
            }
            if (stored >= total / 4) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(stored >= total / 4 && stored < total, "stored before the outage: " + stored);
        ES.node().stop();
        Thread.sleep(4000);
        assertFalse(job.getJobStatus().get().isGloballyTerminalState(), "the job keeps running through the outage");
        ES.node().restart();

        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        Map<String, JsonNode> after = ES.documents("outage-metrics");
        assertEquals(total, after.size());
        assertEquals(expected(new AggregateFixtures(end, windows), windows), after);
    }
}
