package io.akmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.testing.Workload;
import io.akmon.cli.run.LocalPipeline;
import io.akmon.flink.audit.AuditIndex;
import io.akmon.flink.sink.es.EsClient;
import io.akmon.flink.sink.es.IndexNames;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code akmon run --tls} does for security, end to end through the real agent, Kafka (every client
 * over TLS), both jobs and a real Elasticsearch node: processes whose argv carries secrets reach Elasticsearch (their exits are
 * counted there) while the secrets reach no index at all, and the agent's and the alert job's audit
 * records are searchable in the audit index with its own mapping.
 */
class LocalPipelineAuditIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SECRET_RUNS = 5;
    /** An exit code no other process of the test uses, to find these runs in the host aggregates. */
    private static final String EXIT_CODE = "7";

    @Test
    void secretsInArgvReachNoIndexAndBothAuditRecordsAreSearchable(@TempDir Path data) throws Exception {
        String comm = Workload.binary().getFileName().toString();
        comm = comm.substring(0, Math.min(15, comm.length()));
        String password = "hunter2-" + System.nanoTime();
        String token = "tok-" + Long.toHexString(System.nanoTime() * 31);
        LocalPipeline.Options o = new LocalPipeline.Options();
        o.dataDir = data.resolve("local");
        o.window = "2s";
        o.agent.comms = List.of(comm);
        o.agent.pinDir = "";
        o.tls = true; // plaintext is LocalPipelineIT's
        try (LocalPipeline pipeline = LocalPipeline.start(o, System.err);
             LocalPipelineIT.Heartbeat heartbeat = new LocalPipelineIT.Heartbeat()) {
            // --tls: the agent, both jobs and the audit index read and write through the TLS listener only
            assertEquals("SSL", pipeline.clientProperties().get("security.protocol"));
            assertFalse(pipeline.bootstrapServers().equals(pipeline.kafkaPlaintextListener()), "a listener of its own");
            for (int i = 0; i < SECRET_RUNS; i++) {
                Process p = new ProcessBuilder(Workload.binary().toString(), "exit", EXIT_CODE, "--password=" + password,
                        "https://deploy:" + password + "@example.com/x", "token=" + token).start();
                assertEquals(7, p.waitFor());
            }
            heartbeat.start(); // later events move event time past the runs

            // The agent redacted them before Kafka: the exec records are there, the secrets are not.
            List<JsonNode> execs = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            try (KafkaConsumer<byte[], byte[]> c = LocalPipelineIT.consumer(pipeline.bootstrapServers(), pipeline.clientProperties())) {
                c.subscribe(List.of("akmon.exec"));
                while (System.nanoTime() < deadline && execs.size() < SECRET_RUNS) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        String text = new String(r.value(), StandardCharsets.UTF_8);
                        assertFalse(text.contains(password) || text.contains(token), "a secret in Kafka: " + text);
                        for (byte[] value : io.akmon.schema.Frames.records(r.value())) {
                            JsonNode e = JSON.readTree(value);
                            if (e.path("argv").size() > 2 && e.path("argv").get(1).asText().equals("exit")
                                    && e.path("argv").get(2).asText().equals(EXIT_CODE)) {
                                execs.add(e);
                            }
                        }
                    }
                }
            }
            assertEquals(SECRET_RUNS, execs.size(), "exec records of the runs with secrets");
            assertEquals(List.of(Workload.binary().toString(), "exit", EXIT_CODE, "--password=[redacted]",
                    "https://deploy:[redacted]@example.com/x", "token=[redacted]"), strings(execs.get(0).path("argv")));

            try (EsClient client = EsClient.connect(pipeline.elasticsearchUrl())) {
                String metrics = IndexNames.defaults().alias(IndexNames.METRICS);
                String audit = IndexNames.defaults().alias(AuditIndex.FAMILY);
                long exits = 0;
                List<JsonNode> agentStarts = List.of();
                List<JsonNode> rulesLoaded = List.of();
                long esDeadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (System.nanoTime() < esDeadline) {
                    client.call("POST", "/_refresh", null, true);
                    exits = 0;
                    for (JsonNode d : LocalPipelineIT.search(client, metrics, "kind:host AND resolution:\"2s\"")) {
                        exits += d.path("exits_by_code").path(EXIT_CODE).asLong();
                    }
                    agentStarts = LocalPipelineIT.search(client, audit, "event:agent_start");
                    rulesLoaded = LocalPipelineIT.search(client, audit, "event:rules_loaded");
                    if (exits == SECRET_RUNS && agentStarts.size() == 1 && rulesLoaded.size() == 1) {
                        break;
                    }
                    Thread.sleep(500);
                }
                assertEquals(SECRET_RUNS, exits, "the runs with secrets reached Elasticsearch, counted by exit code");

                // Both audit records, searchable by their fields in the audit index and its own mapping.
                assertEquals(1, agentStarts.size(), "the agent's audit record: " + agentStarts);
                JsonNode agentStart = agentStarts.get(0);
                assertTrue(agentStart.path("redaction").asBoolean(), agentStart.toString());
                assertEquals(pipeline.bootstrapServers(), agentStart.path("kafka_bootstrap").asText());
                assertEquals(List.of(comm), strings(agentStart.path("filter_comms")));
                assertTrue(strings(agentStart.path("kafka_properties")).containsAll(List.of("security.protocol", "ssl.truststore.location")),
                        "the agent's client is on TLS, by name only: " + agentStart);
                assertEquals(1, rulesLoaded.size(), "the alert job's audit record: " + rulesLoaded);
                JsonNode rules = rulesLoaded.get(0);
                assertEquals("akmon-alerts", rules.path("job_name").asText());
                assertEquals(64, rules.path("rules_sha256").asText().length(), rules.toString());
                assertEquals(1, LocalPipelineIT.search(client, audit, "rules_sha256:" + rules.path("rules_sha256").asText()).size(),
                        "found by its rules file's digest");
                assertEquals(1, LocalPipelineIT.search(client, audit, "added:crash-loop AND first_start:true").size(),
                        "found by a rule it added");
                JsonNode mapping = client.call("GET", "/" + audit + "/_mapping", null, true);
                JsonNode props = mapping.elements().next().path("mappings").path("properties");
                assertEquals("date", props.path("timestamp").path("type").asText(), props.toString());
                assertEquals("keyword", props.path("rules_sha256").path("type").asText(), props.toString());
                assertEquals("keyword", props.path("event").path("type").asText(), props.toString());

                // Not in any document of any index: every index, every document, as stored.
                long documents = 0;
                for (JsonNode index : client.call("GET", "/_cat/indices?format=json", null, true)) {
                    String name = index.path("index").asText();
                    JsonNode hits = client.call("GET", "/" + name + "/_search?size=10000&track_total_hits=true", null, true)
                            .path("hits");
                    assertTrue(hits.path("total").path("value").asLong() <= 10_000, name + " is small enough to read whole");
                    for (JsonNode h : hits.path("hits")) {
                        String source = h.path("_source").toString();
                        assertFalse(source.contains(password) || source.contains(token), "a secret in " + name + ": " + source);
                        documents++;
                    }
                    for (String secret : List.of(password, token)) {
                        JsonNode found = client.call("GET", "/" + name + "/_search?q="
                                + java.net.URLEncoder.encode("\"" + secret + "\"", StandardCharsets.UTF_8), null, true);
                        assertEquals(0, found.path("hits").path("total").path("value").asLong(), secret + " found in " + name);
                    }
                }
                assertTrue(documents > SECRET_RUNS, "documents read: " + documents);
            }
            assertTrue(pipeline.jobFailure() == null, "the jobs kept running: " + pipeline.jobFailure());
        }
        // Nor in any file the pipeline wrote that holds it in clear: the spool, the Kafka logs (compressed
        // batches aside), Elasticsearch's files.
        try (Stream<Path> files = Files.walk(o.dataDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertFalse(text.contains(password) || text.contains(token), "a secret in " + f);
            }
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> s = new ArrayList<>();
        array.forEach(n -> s.add(n.asText()));
        return s;
    }
}
