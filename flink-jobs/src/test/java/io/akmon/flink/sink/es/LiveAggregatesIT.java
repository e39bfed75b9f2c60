package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedElasticsearch;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.AggregationJob;
import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.sink.KafkaSinks;
import io.akmon.flink.testing.InjectedFaults;
import io.akmon.flink.testing.Records;
import org.apache.flink.api.connector.sink2.Sink;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aggregation job's live partials in a real Elasticsearch node, fed from a real Kafka broker: an open
 * window's document is there early with {@code final: false}, is replaced under the same id by the final
 * one when the watermark closes the window, and a task failure with a replay from the last checkpoint
 * still leaves exactly one final document per window, with the exact figures.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LiveAggregatesIT {
    private static final String TOPIC = "live.akmon.events";
    private static final String HOST = "live-h";
    private static final int PID = 10;
    private static final long ON_CPU = 1_000_000;
    private static final int PER_WINDOW = 3;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1).build());

    static EmbeddedKafka kafka;
    static EmbeddedElasticsearch es;
    static EsClient client;
    static KafkaProducer<byte[], byte[]> producer;
    /** Start of the first 10 s window, on a minute boundary, so the 1 m roll-up window holds four of them. */
    static long t0;
    static long seq;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(1, TOPIC, "live.aggregates", "live.deadletter");
        es = EmbeddedElasticsearch.start();
        client = EsClient.connect(es.httpUrl());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        t0 = Math.floorDiv(System.currentTimeMillis() - 600_000, 60_000) * 60_000;
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
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

    /** PER_WINDOW cpu records of the process in the 10 s window {@code w}, one second apart. */
    static void sendWindow(int w) throws Exception {
        for (int i = 0; i < PER_WINDOW; i++) {
            send(t0 + w * 10_000L + 1_000L * (i + 1));
        }
    }

    static void send(long tsMs) throws Exception {
        Event e = Records.cpu(HOST, 0, ++seq, tsMs, PID, "worker", ON_CPU);
        producer.send(new ProducerRecord<>(TOPIC, Records.json(e))).get();
    }

    static String hostId(String resolution, long start) {
        return "host/" + resolution + "/" + HOST + "/" + start;
    }

    /** The host's documents in the metrics indices by id, as stored now. */
    static Map<String, JsonNode> documents() {
        Map<String, JsonNode> docs = new TreeMap<>();
        try {
            client.call("POST", "/live-metrics/_refresh", null);
            JsonNode hits = client.call("POST", "/live-metrics/_search", Map.of("size", 10_000,
                    "query", Map.of("term", Map.of("host", HOST)))).path("hits").path("hits");
            hits.forEach(h -> docs.put(h.path("_id").asText(), h.path("_source")));
        } catch (EsClient.EsException e) {
            // the alias appears with the first document
        }
        return docs;
    }

    static JsonNode await(String what, String id, Predicate<JsonNode> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            JsonNode d = documents().get(id);
            if (d != null && condition.test(d)) {
                return d;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "; stored: " + documents().get(id));
    }

    @Test
    void aLivePartialIsReplacedByTheFinalDocumentAndAReplayLeavesOneFinalDocumentPerWindow() throws Exception {
        JobOptions o = JobOptions.parse(
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--topics", TOPIC,
                "--group-id", "live-it",
                "--starting-offsets", "earliest",
                "--aggregates-topic", "live.aggregates",
                "--dead-letter-topic", "live.deadletter",
                "--transactional-id-prefix", "live-it",
                "--checkpoint-interval", "300ms",
                "--out-of-orderness", "1s",
                "--live-interval", "300ms",
                "--parallelism", "1",
                "--restart-attempts", "5",
                "--job-name", "live-aggregates");
        EsSinkOptions esOptions = EsSinkOptions.defaults().hosts(es.httpUrl());
        esOptions.indexPrefix = "live";
        esOptions.flushInterval = java.time.Duration.ofMillis(200);
        esOptions.retentionDays = 0;
        InjectedFaults.reset(0);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(AggregationJob.flinkConfiguration(o));
        Map<String, Sink<Aggregate>> sinks = Map.of(AggregationJob.ES_SINK_UID, ElasticsearchSinks.aggregates(esOptions));
        new AggregationJob(o, AggregationJob.kafkaSource(o, new InjectedFaults()), sinks, KafkaSinks.deadLetters(o))
                .build(env);
        JobClient job = env.executeAsync("live-aggregates");
        try {
            // Window 0 open: its documents are live partials.
            sendWindow(0);
            String w0 = hostId("10s", t0);
            JsonNode partial = await("the live partial of window 0", w0,
                    d -> !d.path("final").asBoolean(true) && d.path("records").asLong() == PER_WINDOW);
            assertEquals(PER_WINDOW * ON_CPU, partial.path("on_cpu_ns").asLong());
            JsonNode livingProcess = documents().get("process/10s/" + HOST + "/" + PID + "/" + t0);
            assertFalse(livingProcess.path("final").asBoolean(true), "the process document is live too");

            // Window 1's records move the watermark past window 0: the final document takes its id.
            sendWindow(1);
            JsonNode fin = await("the final document of window 0", w0, d -> d.path("final").asBoolean(false));
            assertEquals(PER_WINDOW, fin.path("records").asLong());
            assertEquals(PER_WINDOW * ON_CPU, fin.path("on_cpu_ns").asLong());
            JsonNode stored = client.get("/" + esOptions.indexNames().index(IndexNames.METRICS, t0) + "/_doc/"
                    + java.net.URLEncoder.encode(w0, java.nio.charset.StandardCharsets.UTF_8));
            assertTrue(stored.path("_version").asLong() >= 2, "written as a partial first, then replaced: " + stored);
            await("the live partial of window 1", hostId("10s", t0 + 10_000), d -> !d.path("final").asBoolean(true));

            // A task failure: the job restarts from its last checkpoint and reads the records after it again.
            InjectedFaults.ARMED.set(true);
            sendWindow(2);
            sendWindow(3);
            // A record two minutes on closes every window above, at both resolutions.
            send(t0 + 120_000);
            for (int w = 0; w < 4; w++) {
                await("the final document of window " + w, hostId("10s", t0 + w * 10_000L),
                        d -> d.path("final").asBoolean(false));
            }
            await("the final 1 m document", hostId("1m", t0), d -> d.path("final").asBoolean(false));
            assertTrue(InjectedFaults.FAILED.get(), "the injected task failure happened");
            assertTrue(InjectedFaults.RECORDS.get() > seq, "records were read again after the restart: "
                    + InjectedFaults.RECORDS.get() + " reads of " + seq + " records");

            // Exactly one final document per closed window, each with the exact figures.
            Map<String, JsonNode> docs = documents();
            List<String> closed = new ArrayList<>();
            for (Map.Entry<String, JsonNode> d : docs.entrySet()) {
                if (d.getValue().path("timestamp").asLong() < t0 + 120_000) {
                    closed.add(d.getKey());
                    assertTrue(d.getValue().path("final").asBoolean(false), d.getKey() + " is final");
                }
            }
            List<String> expectedIds = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                long start = t0 + w * 10_000L;
                expectedIds.add(hostId("10s", start));
                expectedIds.add("process/10s/" + HOST + "/" + PID + "/" + start);
                assertEquals(PER_WINDOW, docs.get(hostId("10s", start)).path("records").asLong(), "window " + w);
                assertEquals(PER_WINDOW * ON_CPU, docs.get("process/10s/" + HOST + "/" + PID + "/" + start)
                        .path("on_cpu_ns").asLong(), "window " + w);
                assertEquals(1.0, docs.get(hostId("10s", start)).path("coverage").asDouble(), 0.0);
            }
            expectedIds.add(hostId("1m", t0));
            expectedIds.add("process/1m/" + HOST + "/" + PID + "/" + t0);
            assertEquals(4 * PER_WINDOW, docs.get(hostId("1m", t0)).path("records").asLong());
            assertEquals(4 * PER_WINDOW * ON_CPU, docs.get("process/1m/" + HOST + "/" + PID + "/" + t0)
                    .path("on_cpu_ns").asLong());
            // and the process's session, updated in place at the 1 min roll-up: the sum of its windows, the
            // four above and the record at t0 + 120 s that closed them (the same process)
            String session = "session/lifetime/" + HOST + "/" + PID + "/" + t0;
            expectedIds.add(session);
            assertEquals(4 * PER_WINDOW + 1, docs.get(session).path("records").asLong());
            assertEquals((4 * PER_WINDOW + 1) * ON_CPU, docs.get(session).path("on_cpu_ns").asLong());
            java.util.Collections.sort(expectedIds);
            java.util.Collections.sort(closed);
            assertEquals(expectedIds, closed);

            // A partial that comes again after the final one (a replay from before the window closed) is
            // ignored: the request the sink sends for a partial leaves a final document as it is.
            com.fasterxml.jackson.databind.node.ObjectNode stale = docs.get(w0).deepCopy();
            stale.put("final", false);
            stale.put("records", 1);
            try (var rest = new org.elasticsearch.client.RestHighLevelClient(org.elasticsearch.client.RestClient
                    .builder(org.apache.http.HttpHost.create(es.httpUrl())))) {
                var response = rest.bulk(new org.elasticsearch.action.bulk.BulkRequest()
                        .add(AggregateEmitter.livePartial(esOptions.indexNames().index(IndexNames.METRICS, t0), w0,
                                io.akmon.flink.sink.Json.bytes(stale))), org.elasticsearch.client.RequestOptions.DEFAULT);
                assertFalse(response.hasFailures(), response.buildFailureMessage());
            }
            JsonNode kept = documents().get(w0);
            assertTrue(kept.path("final").asBoolean(false));
            assertEquals(PER_WINDOW, kept.path("records").asLong());
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }
}
