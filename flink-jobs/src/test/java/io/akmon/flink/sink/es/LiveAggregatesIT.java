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
import io.akmon.flink.testing.KafkaIo;
import io.akmon.flink.testing.Records;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.core.execution.CheckpointType;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aggregation job's live partials in a real Elasticsearch node and on the live topic of a real Kafka
 * broker: an open window's document is there early with {@code final: false}, is replaced under the same
 * id by the final one when the watermark closes the window, and a task failure with a replay from the last
 * checkpoint still leaves exactly one final document per window, with the exact figures, in Elasticsearch
 * and in the aggregates topic. The live topic carries only partials, each under the id of a final document.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LiveAggregatesIT {
    private static final String TOPIC = "live.akmon.events";
    private static final String AGGREGATES = "live.aggregates";
    private static final String LIVE = "live.aggregates.live";
    private static final String HOST = "live-h";
    private static final String REPLAY_TOPIC = "replay.akmon.events";
    private static final String REPLAY_AGGREGATES = "replay.aggregates";
    private static final String REPLAY_LIVE = "replay.aggregates.live";
    private static final String REPLAY_HOST = "replay-h";
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
    /** Per host, the records sent: its sequence numbers, without gaps. */
    static final Map<String, Long> SENT = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(1, TOPIC, AGGREGATES, LIVE, "live.deadletter");
        kafka.createTopics(1, REPLAY_TOPIC, REPLAY_AGGREGATES, REPLAY_LIVE, "replay.deadletter");
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
        sendWindow(TOPIC, HOST, w);
    }

    static void sendWindow(String topic, String host, int w) throws Exception {
        for (int i = 0; i < PER_WINDOW; i++) {
            send(topic, host, t0 + w * 10_000L + 1_000L * (i + 1));
        }
    }

    static void send(long tsMs) throws Exception {
        send(TOPIC, HOST, tsMs);
    }

    static void send(String topic, String host, long tsMs) throws Exception {
        Event e = Records.cpu(host, 0, SENT.merge(host, 1L, Long::sum), tsMs, PID, "worker", ON_CPU);
        producer.send(new ProducerRecord<>(topic, Records.json(e))).get();
    }

    static String hostId(String resolution, long start) {
        return hostId(HOST, resolution, start);
    }

    static String hostId(String host, String resolution, long start) {
        return "host/" + resolution + "/" + host + "/" + start;
    }

    /** The host's documents in the metrics indices by id, as stored now. */
    static Map<String, JsonNode> documents() {
        Map<String, JsonNode> docs = new TreeMap<>();
        stored(HOST).forEach((id, hit) -> docs.put(id, hit.path("_source")));
        return docs;
    }

    /** A host's stored documents by id, as search hits with their versions. */
    static Map<String, JsonNode> stored(String host) {
        Map<String, JsonNode> docs = new TreeMap<>();
        try {
            client.call("POST", "/live-metrics/_refresh", null);
            JsonNode hits = client.call("POST", "/live-metrics/_search", Map.of("size", 10_000, "version", true,
                    "query", Map.of("term", Map.of("host", host)))).path("hits").path("hits");
            hits.forEach(h -> docs.put(h.path("_id").asText(), h));
        } catch (EsClient.EsException e) {
            // the alias appears with the first document
        }
        return docs;
    }

    static JsonNode await(String what, String id, Predicate<JsonNode> condition) throws InterruptedException {
        return await(what, HOST, id, hit -> condition.test(hit.path("_source"))).path("_source");
    }

    /** The search hit of the document {@code id} of {@code host} once it meets the condition. */
    static JsonNode await(String what, String host, String id, Predicate<JsonNode> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            JsonNode d = stored(host).get(id);
            if (d != null && condition.test(d)) {
                return d;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "; stored: " + stored(host).get(id));
    }

    /** The job's options, its topics named {@code <prefix>.*}: records, aggregates, live partials, dead letters. */
    static JobOptions options(String prefix, String checkpointInterval) {
        return JobOptions.parse(
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--topics", prefix + ".akmon.events",
                "--group-id", prefix + "-it",
                "--starting-offsets", "earliest",
                "--aggregates-topic", prefix + ".aggregates",
                "--live-topic", prefix + ".aggregates.live",
                "--dead-letter-topic", prefix + ".deadletter",
                "--transactional-id-prefix", prefix + "-it",
                "--checkpoint-interval", checkpointInterval,
                "--out-of-orderness", "1s",
                "--live-interval", "300ms",
                "--parallelism", "1",
                "--restart-attempts", "5",
                "--job-name", prefix + "-aggregates");
    }

    /** The job with all three aggregate sinks: Elasticsearch, the aggregates topic and the live topic. */
    static JobClient startJob(JobOptions o, EsSinkOptions esOptions) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(AggregationJob.flinkConfiguration(o));
        Map<String, Sink<Aggregate>> sinks = Map.of(AggregationJob.ES_SINK_UID, ElasticsearchSinks.aggregates(esOptions),
                AggregationJob.KAFKA_SINK_UID, KafkaSinks.aggregates(o),
                AggregationJob.LIVE_SINK_UID, KafkaSinks.liveAggregates(o));
        new AggregationJob(o, AggregationJob.kafkaSource(o, new InjectedFaults()), sinks, KafkaSinks.deadLetters(o))
                .build(env);
        return env.executeAsync(o.jobName);
    }

    static EsSinkOptions esOptions() {
        EsSinkOptions esOptions = EsSinkOptions.defaults().hosts(es.httpUrl());
        esOptions.indexPrefix = "live";
        esOptions.flushInterval = java.time.Duration.ofMillis(200);
        esOptions.retentionDays = 0;
        return esOptions;
    }

    /** The committed documents of an aggregates topic once it holds every id; fails on an id committed twice. */
    static Map<String, JsonNode> awaitFinals(String topic, java.util.Collection<String> ids) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            Map<String, JsonNode> committed = KafkaIo.aggregates(kafka.bootstrapServers(), topic);
            if (committed.keySet().containsAll(ids)) {
                return committed;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + ids + " in " + topic + "; committed: " + committed.keySet());
            }
            Thread.sleep(200);
        }
    }

    /**
     * The live topic as a reader sees it: every record of the host a partial ({@code final: false}), each
     * of a window that has closed under the id of one of the final documents of the aggregates topic;
     * returns the partials' ids. Windows from {@code openFrom} on are still open.
     */
    static Set<String> assertLivePartialsUnderFinalIds(String liveTopic, String host, Map<String, JsonNode> finals,
                                                       long openFrom) throws Exception {
        Set<String> ids = new TreeSet<>();
        for (String v : KafkaIo.readCommitted(kafka.bootstrapServers(), liveTopic)) {
            JsonNode partial = io.akmon.flink.sink.Json.MAPPER.readTree(v);
            if (!host.equals(partial.path("host").asText())) {
                continue;
            }
            String id = partial.path("id").asText();
            assertFalse(partial.path("final").asBoolean(true), "only partials on the live topic: " + v);
            if (partial.path("timestamp").asLong() >= openFrom) {
                continue;
            }
            assertTrue(finals.containsKey(id), "a partial under the id of a final document: " + id);
            assertTrue(finals.get(id).path("final").asBoolean(false), id + " is final in the aggregates topic");
            assertTrue(partial.path("records").asLong() <= finals.get(id).path("records").asLong(),
                    "a partial holds what had arrived so far: " + v);
            ids.add(id);
        }
        return ids;
    }

    @Test
    void aLivePartialIsReplacedByTheFinalDocumentAndAReplayLeavesOneFinalDocumentPerWindow() throws Exception {
        JobOptions o = options("live", "300ms");
        EsSinkOptions esOptions = esOptions();
        InjectedFaults.reset(0);
        JobClient job = startJob(o, esOptions);
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
            assertTrue(InjectedFaults.RECORDS.get() > SENT.get(HOST), "records were read again after the restart: "
                    + InjectedFaults.RECORDS.get() + " reads of " + SENT.get(HOST) + " records");

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

            // The aggregates topic has each window's final document once, across the failure, with the figures
            // Elasticsearch has; the live topic had the partials of the same windows, under the same ids.
            Map<String, JsonNode> finals = awaitFinals(AGGREGATES, expectedIds);
            for (String id : expectedIds) {
                assertEquals(docs.get(id).path("records"), finals.get(id).path("records"), id);
                assertEquals(docs.get(id).path("on_cpu_ns"), finals.get(id).path("on_cpu_ns"), id);
            }
            Set<String> partials = assertLivePartialsUnderFinalIds(LIVE, HOST, finals, t0 + 120_000);
            // windows 0 and 1 were seen live above (windows 2 and 3 may close before a live interval passes)
            for (int w = 0; w < 2; w++) {
                long start = t0 + w * 10_000L;
                assertTrue(partials.contains(hostId("10s", start)), "window " + w + " was live: " + partials);
                assertTrue(partials.contains("process/10s/" + HOST + "/" + PID + "/" + start), "window " + w);
            }
            assertTrue(partials.contains(hostId("1m", t0)), partials.toString());
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A failure after a window's final documents were written, before the checkpoint that would have
     * committed them: the job restores the checkpoint taken while the window was open, reads the window's
     * closing records again and writes the final documents a second time. Elasticsearch overwrites them in
     * place and the aggregates topic commits them once, so there is still exactly one final document per
     * window, with the exact figures. Checkpoints are taken only when the test asks, so which one the job
     * restores is known.
     */
    @Test
    void aFailureAfterTheFinalDocumentsReplaysThemFromTheCheckpointAndLeavesOnePerWindow(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        JobOptions o = options("replay", "1h");
        InjectedFaults.reset(0);
        JobClient job = startJob(o, esOptions());
        try {
            String w0 = hostId(REPLAY_HOST, "10s", t0);
            String w1 = hostId(REPLAY_HOST, "10s", t0 + 10_000);
            String p0 = "process/10s/" + REPLAY_HOST + "/" + PID + "/" + t0;
            sendWindow(REPLAY_TOPIC, REPLAY_HOST, 0);
            await("the live partial of window 0", REPLAY_HOST, w0, hit -> !hit.path("_source").path("final").asBoolean(true)
                    && hit.path("_source").path("records").asLong() == PER_WINDOW);
            // The checkpoint the job will restore: window 0 still open in it.
            long restorePoint = cluster.triggerCheckpoint(job.getJobID(), CheckpointType.FULL).get(60, TimeUnit.SECONDS);

            // Window 1's records close window 0: its final documents go to Elasticsearch and into the aggregates
            // topic's open transaction, which no checkpoint has committed.
            sendWindow(REPLAY_TOPIC, REPLAY_HOST, 1);
            JsonNode firstFinal = await("the final document of window 0", REPLAY_HOST, w0,
                    hit -> hit.path("_source").path("final").asBoolean(false));
            long firstVersion = firstFinal.path("_version").asLong();
            assertEquals(PER_WINDOW, firstFinal.path("_source").path("records").asLong());
            assertTrue(KafkaIo.aggregates(kafka.bootstrapServers(), REPLAY_AGGREGATES).isEmpty(),
                    "nothing committed to the aggregates topic before the failure");

            // The next record read fails the task; the job restarts from the checkpoint and reads window 1 again.
            long readsBefore = InjectedFaults.RECORDS.get();
            InjectedFaults.ARMED.set(true);
            send(REPLAY_TOPIC, REPLAY_HOST, t0 + 15_000);
            JsonNode replayed = await("window 0's final document written again by the replay", REPLAY_HOST, w0,
                    hit -> hit.path("_version").asLong() > firstVersion);
            assertTrue(InjectedFaults.FAILED.get(), "the injected task failure happened");
            assertTrue(InjectedFaults.RECORDS.get() > readsBefore + PER_WINDOW, "window 1 was read again after the restart: "
                    + InjectedFaults.RECORDS.get() + " reads, " + readsBefore + " before the failure");
            assertEquals(restorePoint, cluster.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot()
                    .getLatestRestoredCheckpoint().getCheckpointId(), "restored the checkpoint taken while window 0 was open");
            assertEquals(firstFinal.path("_source"), replayed.path("_source"), "the replay wrote the same final document");

            // Close window 1 and the 1 m window, and commit.
            send(REPLAY_TOPIC, REPLAY_HOST, t0 + 120_000);
            await("the final document of window 1", REPLAY_HOST, w1, hit -> hit.path("_source").path("final").asBoolean(false));
            await("the final 1 m document", REPLAY_HOST, hostId(REPLAY_HOST, "1m", t0),
                    hit -> hit.path("_source").path("final").asBoolean(false));
            cluster.triggerCheckpoint(job.getJobID(), CheckpointType.FULL).get(60, TimeUnit.SECONDS);

            // One final document per window in Elasticsearch and in the aggregates topic (committed once), exact.
            List<String> expectedIds = List.of(w0, w1, hostId(REPLAY_HOST, "1m", t0), p0,
                    "process/10s/" + REPLAY_HOST + "/" + PID + "/" + (t0 + 10_000), "process/1m/" + REPLAY_HOST + "/" + PID + "/" + t0);
            Map<String, JsonNode> finals = awaitFinals(REPLAY_AGGREGATES, expectedIds);
            Map<String, JsonNode> stored = stored(REPLAY_HOST);
            long[] records = {PER_WINDOW, PER_WINDOW + 1, 2 * PER_WINDOW + 1};
            for (int i = 0; i < expectedIds.size(); i++) {
                String id = expectedIds.get(i);
                long expected = records[i % 3];
                JsonNode es = stored.get(id).path("_source");
                assertTrue(es.path("final").asBoolean(false), id + " is final in Elasticsearch");
                assertEquals(expected, es.path("records").asLong(), id);
                assertEquals(expected * ON_CPU, es.path("on_cpu_ns").asLong(), id);
                assertEquals(expected, finals.get(id).path("records").asLong(), id + " in the aggregates topic");
                assertEquals(1.0, finals.get(id).path("coverage").asDouble(), 0.0, id);
            }
            for (Map.Entry<String, JsonNode> d : stored.entrySet()) {
                if (d.getValue().path("_source").path("timestamp").asLong() < t0 + 60_000) {
                    assertTrue(d.getValue().path("_source").path("final").asBoolean(false), d.getKey() + " is final");
                }
            }
            Set<String> partials = assertLivePartialsUnderFinalIds(REPLAY_LIVE, REPLAY_HOST, finals, t0 + 120_000);
            assertTrue(partials.containsAll(List.of(w0, p0, w1)), "windows 0 and 1 were live: " + partials);
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }
}
