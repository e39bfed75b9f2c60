package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedElasticsearch;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.ProcessAggregate;
import io.akmon.flink.sink.DeadLetterChannel;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.KafkaIo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Elasticsearch refusing documents, against a real node: refusals for good go to the sink's dead-letter
 * topic on a real broker with the node's reason while the job stores the rest; refusals for now (429)
 * make the job wait, not fail.
 */
class ElasticsearchRejectionsIT {
    @RegisterExtension
    static final EsNode ES = new EsNode();
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A process aggregate whose command name is a single 40 kB term: more than Lucene takes in one keyword. */
    static Aggregate huge(long end, int windows) {
        AggregateFixtures fixtures = new AggregateFixtures(end, windows);
        ProcessAggregate p = (ProcessAggregate) fixtures.aggregate((long) (windows - 1) * AggregateFixtures.PER_WINDOW + 1);
        p.id = p.id + "-huge";
        p.comm = "x".repeat(40_000);
        return p;
    }

    static JobClient run(EsSinkOptions options, DeadLetterChannel deadLetters, long end, int windows, boolean withHuge)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.enableCheckpointing(300, CheckpointingMode.EXACTLY_ONCE);
        long count = (long) windows * AggregateFixtures.PER_WINDOW;
        env.fromSequence(0, withHuge ? count : count - 1)
                .map(i -> i == count ? huge(end, windows) : new AggregateFixtures(end, windows).aggregate(i))
                .returns(TypeInformation.of(Aggregate.class))
                .sinkTo(ElasticsearchSinks.aggregates(options, deadLetters)).name("es-sink");
        return env.executeAsync("es-rejections");
    }

    @Test
    void aMappingConflictAndATooLargeDocumentAreDeadLetteredWithTheirReasonAndEveryOtherDocumentIsStored() throws Exception {
        EsSinkOptions options = ES.options("reject");
        options.deadLetterTopic = "reject.deadletter";
        kafka.createTopics(1, options.deadLetterTopic);
        // Six windows around midnight: four on the 24th, two on the 25th.
        long end = Instant.parse("2026-11-25T00:00:25Z").toEpochMilli();
        int windows = 6;
        AggregateFixtures fixtures = new AggregateFixtures(end, windows);
        long midnight = Instant.parse("2026-11-25T00:00:00Z").toEpochMilli();
        IndexTemplates.install(ES.client(), options, Instant.now()); // so the index below joins the alias
        // The conflicting mapping: in the 24th's index, comm is a number, so no process document fits there.
        ES.client().call("PUT", "/reject-metrics-2026.11.24",
                Map.of("mappings", Map.of("properties", Map.of("comm", Map.of("type", "long")))));

        JobClient job = run(options, ElasticsearchSinks.kafkaDeadLetters(options, kafka.bootstrapServers(), Map.of()),
                end, windows, true);
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES); // finished, not failed: the job went on

        Map<String, JsonNode> expected = ElasticsearchSinkIT.expected(fixtures, windows);
        Map<String, JsonNode> refused = new TreeMap<>();
        for (Aggregate a : fixtures.all(windows)) {
            // Process and connection documents carry a command name: on the 24th it cannot be stored.
            if (a.timestamp < midnight && expected.get(a.id).path("comm").isTextual()) {
                refused.put(a.id, expected.remove(a.id));
            }
        }
        // per host and window: the processes, the TCP connection and the UDP endpoint pair
        assertEquals(4 * AggregateFixtures.HOSTS.length * (AggregateFixtures.PROCESSES + 2), refused.size());
        assertEquals(expected, ES.documents("reject-metrics"));

        List<String> letters = KafkaIo.readCommitted(kafka.bootstrapServers(), options.deadLetterTopic);
        assertEquals(refused.size() + 1, letters.size(), "one dead letter per refused document");
        Map<String, JsonNode> byId = new TreeMap<>();
        for (String l : letters) {
            JsonNode d = Json.MAPPER.readTree(l);
            String reason = d.path("reason").asText();
            String id = reason.replaceFirst("^elasticsearch rejected document (\\S+) .*$", "$1");
            byId.put(id, d);
        }
        for (String id : refused.keySet()) {
            JsonNode d = byId.get(id);
            assertTrue(d != null, "dead letter for " + id);
            assertTrue(d.path("reason").asText().contains("(400): ") && d.path("reason").asText().contains("mapper_parsing_exception"),
                    d.path("reason").asText());
            assertEquals("reject-metrics-2026.11.24", d.path("topic").asText());
            assertEquals(refused.get(id), Json.MAPPER.readTree(d.path("payload").asText()), "the document itself");
            assertFalse(d.path("payload_truncated").asBoolean());
        }
        Aggregate big = huge(end, windows);
        JsonNode d = byId.get(big.id);
        assertTrue(d != null, "dead letter for the too large document: " + byId.keySet());
        assertTrue(d.path("reason").asText().contains("immense term"), d.path("reason").asText());
        byte[] source = Json.bytes(big);
        assertEquals(source.length, d.path("payload_bytes").asLong());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source)), d.path("payload_sha256").asText());
        assertTrue(d.path("payload_truncated").asBoolean());
        assertTrue(d.path("payload").asText().length() <= 16 * 1024, "the dead letter carries only the start");
    }

    @Test
    void anIndexRefusingWritesForNowMakesTheJobWaitAndThenEverythingIsStored() throws Exception {
        EsSinkOptions options = ES.options("wait");
        long end = Instant.parse("2026-11-24T15:00:05Z").toEpochMilli();
        int windows = 3;
        String index = "wait-metrics-2026.11.24";
        IndexTemplates.install(ES.client(), options, Instant.now());
        ES.client().call("PUT", "/" + index, Map.of());
        ES.client().call("PUT", "/" + index + "/_settings", Map.of("index.blocks.read_only_allow_delete", true));
        // The fault: this index answers writes with 429 (what a full disk's flood stage does).
        EsClient.EsException refused = org.junit.jupiter.api.Assertions.assertThrows(EsClient.EsException.class,
                () -> ES.client().call("PUT", "/" + index + "/_doc/probe", Map.of("kind", "probe")));
        assertEquals(429, refused.status, refused.getMessage());

        JobClient job = run(options, ElasticsearchSinks.kafkaDeadLetters(options, kafka.bootstrapServers(), Map.of()),
                end, windows, false);
        Thread.sleep(5000);
        assertFalse(job.getJobStatus().get().isGloballyTerminalState(), "the job waits while the index refuses writes");
        assertEquals(0, ES.client().get("/" + index + "/_count").path("count").asLong());

        ES.client().call("PUT", "/" + index + "/_settings", "{\"index.blocks.read_only_allow_delete\": null}");
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        assertEquals(ElasticsearchSinkIT.expected(new AggregateFixtures(end, windows), windows),
                ES.documents("wait-metrics"));
    }

    /**
     * A node that takes at most 16 kB per HTTP request refuses the sink's whole bulk request with 413; the
     * sink halves it until each part fits, so every document is stored. A document above
     * --es-max-document-size never goes to the node: it is a dead letter with that reason.
     */
    @Test
    void aBulkRequestRefusedWith413IsSplitUntilEveryDocumentIsStoredAndADocumentAboveTheMaximumSizeIsDeadLettered(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path data) throws Exception {
        int maxContent = 16 * 1024;
        try (EmbeddedElasticsearch small = EmbeddedElasticsearch.start(data,
                Map.of("http.max_content_length", maxContent + "b", "cluster.name", "akmon-small-requests"));
             EsClient smallClient = EsClient.connect(small.httpUrl())) {
            long end = Instant.parse("2026-11-24T09:00:05Z").toEpochMilli();
            int windows = 6;
            AggregateFixtures fixtures = new AggregateFixtures(end, windows);
            Map<String, JsonNode> expected = ElasticsearchSinkIT.expected(fixtures, windows);

            // The fault: the documents as one bulk request are more than the node takes.
            StringBuilder bulk = new StringBuilder();
            for (Map.Entry<String, JsonNode> e : expected.entrySet()) {
                bulk.append("{\"index\":{\"_index\":\"probe\",\"_id\":\"").append(e.getKey()).append("\"}}\n")
                        .append(Json.MAPPER.writeValueAsString(e.getValue())).append('\n');
            }
            assertTrue(bulk.length() > 4 * maxContent, "the request is several times the limit: " + bulk.length());
            EsClient.EsException tooLarge = org.junit.jupiter.api.Assertions.assertThrows(EsClient.EsException.class,
                    () -> smallClient.call("POST", "/_bulk", bulk.toString()));
            assertEquals(413, tooLarge.status, tooLarge.getMessage());
            assertEquals(null, smallClient.call("GET", "/probe", null, true), "nothing of the refused request was stored");

            EsSinkOptions options = EsSinkOptions.defaults().hosts(small.httpUrl());
            options.indexPrefix = "split";
            options.retentionDays = 0;
            options.bulkActions = 100_000;     // one bulk request for everything: flushed at the end of input
            options.flushInterval = java.time.Duration.ZERO;
            options.maxDocumentBytes = 4 * 1024;
            options.deadLetterTopic = "split.deadletter";
            kafka.createTopics(1, options.deadLetterTopic);

            ProcessAggregate big = (ProcessAggregate) fixtures.aggregate(1);
            big.id = big.id + "-big";
            big.comm = "y".repeat(6_000); // below the request limit, above --es-max-document-size
            byte[] bigSource = Json.bytes(big);
            assertTrue(bigSource.length > options.maxDocumentBytes && bigSource.length < maxContent);

            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(1);
            long count = (long) windows * AggregateFixtures.PER_WINDOW;
            env.fromSequence(0, count)
                    .map(i -> {
                        if (i < count) {
                            return new AggregateFixtures(end, windows).aggregate(i);
                        }
                        ProcessAggregate p = (ProcessAggregate) new AggregateFixtures(end, windows).aggregate(1);
                        p.id = p.id + "-big";
                        p.comm = "y".repeat(6_000);
                        return (Aggregate) p;
                    })
                    .returns(TypeInformation.of(Aggregate.class))
                    .sinkTo(ElasticsearchSinks.aggregates(options,
                            ElasticsearchSinks.kafkaDeadLetters(options, kafka.bootstrapServers(), Map.of())))
                    .name("es-sink");
            env.executeAsync("es-413").getJobExecutionResult().get(3, TimeUnit.MINUTES);

            smallClient.call("POST", "/split-metrics/_refresh", null);
            JsonNode hits = smallClient.call("POST", "/split-metrics/_search",
                    Map.of("size", 10_000, "query", Map.of("match_all", Map.of()))).path("hits").path("hits");
            Map<String, JsonNode> stored = new TreeMap<>();
            hits.forEach(h -> stored.put(h.path("_id").asText(), h.path("_source")));
            assertEquals(expected, stored, "every document of the refused request is stored, the big one is not");

            List<String> letters = KafkaIo.readCommitted(kafka.bootstrapServers(), options.deadLetterTopic);
            assertEquals(1, letters.size(), "only the document above the maximum size: " + letters);
            JsonNode d = Json.MAPPER.readTree(letters.get(0));
            assertEquals("elasticsearch rejected document " + big.id + ": document of " + bigSource.length
                    + " bytes is larger than --es-max-document-size " + options.maxDocumentBytes + " bytes",
                    d.path("reason").asText());
            assertEquals(bigSource.length, d.path("payload_bytes").asLong());
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bigSource)),
                    d.path("payload_sha256").asText());
        }
    }
}
