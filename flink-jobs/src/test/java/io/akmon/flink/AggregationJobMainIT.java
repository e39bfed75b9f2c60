package io.akmon.flink;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedElasticsearch;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.sink.es.EsClient;
import io.akmon.flink.sink.es.IndexNames;
import io.akmon.flink.testing.KafkaIo;
import io.akmon.flink.testing.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code main()} run embedded: a local Flink environment in this JVM, options from a config file and
 * flags, Kafka source and exactly-once Kafka sinks wired from them, and the RocksDB state backend (the
 * other ITs use the default heap backend), with the same exact results; the Elasticsearch sink, on by
 * default, holds one document per aggregate.
 */
class AggregationJobMainIT {
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void mainRunsTheJobEmbeddedFromAConfigFile(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); EmbeddedElasticsearch es = EmbeddedElasticsearch.start()) {
            Workload workload = new Workload(2, 3, 7);
            KafkaIo.writeInput(kafka, workload, "", List.of("{\"type\":\"cpu\"}"), false);
            kafka.createTopics(1, "akmon.aggregates", "akmon.aggregates.live", "akmon.deadletter");
            Path config = dir.resolve("job.properties");
            Files.writeString(config, "bootstrap-servers=" + kafka.bootstrapServers() + "\n"
                    + "starting-offsets=earliest\n"
                    + "checkpoint-interval=500ms\n"
                    + "state-backend=rocksdb\n"
                    + "checkpoint-dir=" + dir.resolve("checkpoints").toUri() + "\n"
                    + "es=" + es.httpUrl() + "\n");

            AggregationJob.main(new String[] {"--config", config.toString(), "--bounded", "--parallelism", "2"});

            Map<String, JsonNode> actual = KafkaIo.aggregates(kafka.bootstrapServers(), "akmon.aggregates");
            workload.assertMatches(actual);
            List<String> dead = KafkaIo.readCommitted(kafka.bootstrapServers(), "akmon.deadletter");
            assertEquals(1, dead.size());

            // the same aggregates, one document each, in Elasticsearch (the default sinks are kafka and elasticsearch)
            try (EsClient client = EsClient.connect(es.httpUrl())) {
                client.call("POST", "/" + IndexNames.defaults().alias(IndexNames.METRICS) + "/_refresh", null);
                JsonNode count = client.call("GET", "/" + IndexNames.defaults().alias(IndexNames.METRICS) + "/_count", null);
                long perSyscallName = actual.values().stream().filter(a -> a.path("kind").asText().equals("host"))
                        .mapToLong(a -> a.path("syscalls").size()).sum();
                assertEquals(actual.size() + perSyscallName, count.path("count").asLong(),
                        "aggregate documents, and one per syscall name of each host window, in Elasticsearch");
                for (String id : List.copyOf(actual.keySet()).subList(0, Math.min(20, actual.size()))) {
                    JsonNode hit = client.call("GET", "/" + IndexNames.defaults().alias(IndexNames.METRICS) + "/_search?q=_id:"
                            + java.net.URLEncoder.encode("\"" + id + "\"", java.nio.charset.StandardCharsets.UTF_8), null);
                    assertEquals(1, hit.path("hits").path("total").path("value").asLong(), id);
                    assertEquals(actual.get(id).path("kind"), hit.path("hits").path("hits").get(0).path("_source").path("kind"), id);
                }
            }
        }
    }
}
