package io.akmon.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.embedded.ServerLifecycle;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.sink.es.IndexNames;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aggregation job's output, read where users read it: the aggregates topic (read_committed, the latest
 * version of each document id) and the metrics indices of Elasticsearch. Sums the getppid calls of one host
 * over its host documents, so a record counted twice or lost shows as a wrong total.
 */
final class Aggregates {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String WINDOW = "2s";
    static final long WINDOW_MS = Duration.ofSeconds(2).toMillis();

    private final ReferenceCluster cluster;

    Aggregates(ReferenceCluster cluster) {
        this.cluster = cluster;
    }

    /** Every aggregate in the topic, latest version per id. */
    Map<String, JsonNode> fromKafka() {
        return read(ReferenceCluster.AGGREGATES_TOPIC, a -> a.path("id").asText());
    }

    /** Records of one topic (read_committed), by key; {@code key} null keeps every record. */
    private Map<String, JsonNode> read(String topic, java.util.function.Function<JsonNode, String> key) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka().bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        Map<String, JsonNode> byId = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && !caughtUp(c, end)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    List<byte[]> values = io.akmon.schema.Frames.records(r.value());
                    for (int i = 0; i < values.size(); i++) {
                        JsonNode a = JSON.readTree(values.get(i));
                        byId.put(key != null ? key.apply(a) : r.partition() + "@" + r.offset() + "#" + i, a);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byId;
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (c.position(e.getKey(), Duration.ofSeconds(10)) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * What the agent of {@code host} wrote, for a failure message: getppid calls per pid in the syscall
     * topic, the pids with an exit record, the loss reports and the agent's last health record.
     */
    String rawRecords(String host, List<Integer> pids) {
        try {
            Map<Integer, Long> calls = new java.util.TreeMap<>();
            for (JsonNode r : read("akmon.syscall", null).values()) {
                if (host.equals(r.path("host").asText()) && "getppid".equals(r.path("syscall").asText())) {
                    calls.merge(r.path("pid").asInt(), r.path("count").asLong(), Long::sum);
                }
            }
            Set<Integer> exited = new java.util.TreeSet<>();
            for (JsonNode r : read("akmon.exit", null).values()) {
                if (host.equals(r.path("host").asText()) && pids.contains(r.path("pid").asInt())) {
                    exited.add(r.path("pid").asInt());
                }
            }
            List<String> lost = new ArrayList<>();
            for (JsonNode r : read("akmon.lost", null).values()) {
                if (host.equals(r.path("host").asText())) {
                    lost.add(r.toString());
                }
            }
            JsonNode health = null;
            for (JsonNode r : read("akmon.agent", null).values()) {
                if (host.equals(r.path("host").asText()) && "agent".equals(r.path("type").asText()) // not its heartbeats
                        && (health == null || r.path("seq").asLong() > health.path("seq").asLong())) {
                    health = r;
                }
            }
            return "workload pids " + pids + "; getppid calls per pid in akmon.syscall " + calls + "; pids with an exit record "
                    + exited + "; loss reports " + lost + "; last agent health " + health;
        } catch (RuntimeException e) {
            return "(raw records unreadable: " + e + ")";
        }
    }

    /** Host documents of {@code host} in Elasticsearch, asked of any live node. */
    List<JsonNode> fromElasticsearch(String host, String kind) {
        String index = IndexNames.defaults().alias(IndexNames.METRICS);
        String q = URLEncoder.encode("kind:\"" + kind + "\" AND host:\"" + host + "\" AND resolution:\"" + WINDOW + "\"", StandardCharsets.UTF_8);
        ElasticsearchCluster es = cluster.elasticsearch();
        for (int i = 1; i <= es.size(); i++) {
            if (!es.node(i).alive()) {
                continue;
            }
            try {
                Http.call("POST", es.url(i) + "/" + index + "/_refresh", null);
                Http.Response r = Http.call("GET", es.url(i) + "/" + index + "/_search?size=10000&q=" + q, null);
                if (r.status() == 404) {
                    return List.of();
                }
                if (r.ok()) {
                    List<JsonNode> docs = new ArrayList<>();
                    r.body().path("hits").path("hits").forEach(h -> docs.add(h.path("_source")));
                    return docs;
                }
            } catch (RuntimeException e) {
                // next node
            }
        }
        return List.of();
    }

    static List<JsonNode> ofHost(Collection<JsonNode> all, String host, String kind) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : all) {
            if (kind.equals(a.path("kind").asText()) && host.equals(a.path("host").asText()) && WINDOW.equals(a.path("resolution").asText())) {
                out.add(a);
            }
        }
        return out;
    }

    /** getppid calls summed over documents. */
    static long getppid(Collection<JsonNode> docs) {
        long n = 0;
        for (JsonNode a : docs) {
            for (JsonNode s : a.path("syscalls")) {
                if ("getppid".equals(s.path("name").asText())) {
                    n += s.path("count").asLong();
                }
            }
        }
        return n;
    }

    /**
     * Waits until the host's getppid total is {@code truth} in the topic and in Elasticsearch, then checks it
     * stays there two checkpoints later (a duplicate would push it over), that every host window has
     * coverage 1.0 and that Elasticsearch holds one document per window.
     */
    void assertExact(WatchedHost h) {
        assertExact(h.name, h.calls(), h.pids());
    }

    void assertExact(String host, long truth, List<Integer> pids) {
        long[] seen = {-1, -1};
        // after a broker kill the jobs' transactional producers need up to about two minutes to commit again
        boolean reached = ServerLifecycle.await(Duration.ofSeconds(240), () -> {
            seen[0] = getppid(ofHost(fromKafka().values(), host, "host"));
            if (seen[0] != truth) {
                return false;
            }
            seen[1] = getppid(fromElasticsearch(host, "host"));
            return seen[1] == truth;
        });
        if (!reached) {
            throw new AssertionError(host + ": getppid calls in the aggregates topic " + seen[0] + ", in Elasticsearch " + seen[1]
                    + ", truth " + truth + "; " + rawRecords(host, pids));
        }
        ServerLifecycle.sleep(5000); // two more checkpoints: anything counted twice would arrive now
        List<JsonNode> kafka = ofHost(fromKafka().values(), host, "host");
        List<JsonNode> es = fromElasticsearch(host, "host");
        assertEquals(truth, getppid(kafka), host + ": getppid calls in the aggregates topic");
        assertEquals(truth, getppid(es), host + ": getppid calls in Elasticsearch");
        Set<String> ids = new HashSet<>();
        es.forEach(d -> ids.add(d.path("id").asText()));
        assertEquals(es.size(), ids.size(), host + ": one Elasticsearch document per window");
        Set<String> counted = new HashSet<>();
        kafka.stream().filter(d -> getppid(List.of(d)) > 0).forEach(d -> counted.add(d.path("id").asText()));
        assertTrue(ids.containsAll(counted), host + ": every window with calls is in Elasticsearch too");
        for (JsonNode d : kafka) {
            assertEquals(1.0, d.path("coverage").asDouble(), 1e-12, host + ": coverage of " + d.path("id").asText());
        }
    }

    /** Polls {@code value} until it reaches {@code min}; fails with {@code what} otherwise. */
    static long awaitAtLeast(String what, long min, Duration timeout, LongSupplier value) {
        long[] v = {Long.MIN_VALUE};
        boolean ok = ServerLifecycle.await(timeout, () -> {
            try {
                v[0] = value.getAsLong();
            } catch (RuntimeException e) {
                return false;
            }
            return v[0] >= min;
        });
        assertTrue(ok, what + ": expected at least " + min + ", saw " + v[0]);
        return v[0];
    }

    /**
     * Per window of event time (start, ms): the records and the missing records of one host, as the topics
     * show them ({@link #inTheTopics}) or as its host documents report them ({@link #reported}); windows
     * with neither are left out. {@code missingByStream}: the missing numbers per (boot, cpu) stream.
     */
    record Windows(Map<Long, Long> records, Map<Long, Long> missing, Map<String, Long> missingByStream) {
        long totalMissing() {
            return missing.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The same records and missing records per window (the streams are only known from the topics). */
        boolean sameAs(Windows o) {
            return records.equals(o.records) && missing.equals(o.missing);
        }

        @Override
        public String toString() {
            long all = records.values().stream().mapToLong(Long::longValue).sum();
            return records.size() + " windows, " + all + " records, " + totalMissing() + " missing"
                    + (missingByStream == null ? "" : " " + missingByStream) + "; missing per window " + missing;
        }
    }

    /**
     * What the host windows ending at or before {@code cutoffMs} must report, read from the topics the
     * aggregation job reads ({@link JobOptions#DEFAULT_TOPICS}): per window, the distinct records (by
     * stream and seq) and the missing ones, i.e. the numbers absent from a (boot, cpu) stream just before a
     * record of the window (a gap between windows counts in the window after it, as the job counts it) plus
     * the losses the agent itself reported in {@code lost} records. Later windows are left out: the topics
     * are read one after another while the agent goes on writing, so a stream's newest records can be in
     * one topic and not yet in another one read before it. Audit records are not among the topics (their
     * seq is the agent's start time, not a count).
     */
    Windows inTheTopics(String host, long cutoffMs) {
        Map<String, java.util.TreeMap<Long, JsonNode>> streams = new HashMap<>();
        for (String topic : JobOptions.DEFAULT_TOPICS.split(",")) {
            for (JsonNode r : read(topic, null).values()) {
                if (host.equals(r.path("host").asText())) {
                    streams.computeIfAbsent(r.path("boot_id").asText() + "/" + r.path("cpu").asInt(), k -> new java.util.TreeMap<>())
                            .put(r.path("seq").asLong(), r);
                }
            }
        }
        Map<Long, Long> records = new java.util.TreeMap<>();
        Map<Long, Long> missing = new java.util.TreeMap<>();
        Map<String, Long> byStream = new java.util.TreeMap<>();
        for (var s : streams.entrySet()) {
            long previous = Long.MIN_VALUE;
            for (var e : s.getValue().entrySet()) {
                long seq = e.getKey();
                JsonNode r = e.getValue();
                long window = windowOf(r.path("ts").asLong() / 1_000_000);
                if (window + WINDOW_MS <= cutoffMs) {
                    records.merge(window, 1L, Long::sum);
                    long lost = previous == Long.MIN_VALUE ? 0 : seq - previous - 1;
                    if ("lost".equals(r.path("type").asText()) && !"output".equals(r.path("source").asText())) {
                        lost += r.path("lost").asLong(); // the job counts these as missing, the gaps being counted apart
                    }
                    if (lost > 0) {
                        missing.merge(window, lost, Long::sum);
                        byStream.merge(s.getKey(), lost, Long::sum);
                    }
                }
                previous = seq;
            }
        }
        return new Windows(records, missing, byStream);
    }

    /**
     * A cutoff for {@link #inTheTopics} after an agent crash at {@code killedMs}: the end of the latest
     * window closed in wall-clock time once every stream of the host has a record of the restarted agent
     * (event time after the kill) before it, so the gap the crash left in any stream is counted before the
     * cutoff (a gap counts in the window of the next record). A stream without one fails the wait.
     */
    long cutoffAfterRestart(String host, long killedMs) {
        Map<String, Long> latest = new java.util.TreeMap<>();
        long[] cutoff = {-1};
        boolean every = ServerLifecycle.await(Duration.ofSeconds(90), () -> {
            cutoff[0] = windowOf(System.currentTimeMillis());
            latest.clear();
            for (String topic : JobOptions.DEFAULT_TOPICS.split(",")) {
                for (JsonNode r : read(topic, null).values()) {
                    long ts = r.path("ts").asLong() / 1_000_000;
                    if (host.equals(r.path("host").asText()) && ts < cutoff[0]) {
                        latest.merge(r.path("boot_id").asText() + "/" + r.path("cpu").asInt(), ts, Math::max);
                    }
                }
            }
            return !latest.isEmpty() && latest.values().stream().allMatch(ts -> ts > killedMs);
        });
        assertTrue(every, host + ": every stream has a record after the kill at " + killedMs + " before " + cutoff[0]
                + "; latest record per stream (ms) " + latest);
        return cutoff[0];
    }

    /** What the host documents of the windows ending at or before {@code cutoffMs} report (see {@link Windows}). */
    Windows reported(Collection<JsonNode> hostDocs, long cutoffMs) {
        Map<Long, Long> records = new java.util.TreeMap<>();
        Map<Long, Long> missing = new java.util.TreeMap<>();
        for (JsonNode d : hostDocs) {
            long window = d.path("timestamp").asLong();
            if (window + WINDOW_MS <= cutoffMs) {
                if (d.path("records").asLong() > 0) {
                    records.put(window, d.path("records").asLong());
                }
                if (d.path("missing").asLong() > 0) {
                    missing.put(window, d.path("missing").asLong());
                }
            }
        }
        return new Windows(records, missing, null);
    }

    static long windowOf(long tsMs) {
        return tsMs - Math.floorMod(tsMs, WINDOW_MS);
    }

    /**
     * After an agent crash: every host window up to {@code cutoffMs} holds exactly the records the topics
     * hold for it, each once, and reports as missing exactly the numbers missing from the topics' sequence
     * streams (nothing accepted is lost, nothing counted twice, every loss reported in the right window),
     * also two checkpoints later; coverage is records / (records + missing) in every window, and the
     * getppid total equals the truth in the topic and in Elasticsearch (the crash came between workloads,
     * whose records had been accepted). With nothing missing that is {@link #assertExact}.
     *
     * @return what the topics show
     */
    Windows assertAsInTheTopics(WatchedHost h, long cutoffMs) {
        Windows[] topics = {null};
        Windows[] job = {null};
        long[] calls = {-1, -1};
        // the job settles a window once the watermark has passed it; records replayed late re-emit it
        boolean reached = ServerLifecycle.await(Duration.ofSeconds(150), () -> {
            topics[0] = inTheTopics(h.name, cutoffMs);
            List<JsonNode> docs = ofHost(fromKafka().values(), h.name, "host");
            job[0] = reported(docs, cutoffMs);
            calls[0] = getppid(docs);
            calls[1] = getppid(fromElasticsearch(h.name, "host"));
            return job[0].sameAs(topics[0]) && calls[0] == h.calls() && calls[1] == h.calls();
        });
        assertTrue(reached, h.name + ": host windows up to " + cutoffMs + " report " + job[0] + "; the topics show " + topics[0]
                + "; getppid calls in the aggregates topic " + calls[0] + ", in Elasticsearch " + calls[1] + ", truth " + h.calls()
                + "; " + rawRecords(h.name, h.pids()));
        ServerLifecycle.sleep(5000); // two more checkpoints: anything counted twice, or a window emitted again, would show now
        Windows again = inTheTopics(h.name, cutoffMs);
        List<JsonNode> docs = ofHost(fromKafka().values(), h.name, "host");
        Windows reported = reported(docs, cutoffMs);
        assertEquals(again.records(), reported.records(), h.name + ": records per window, host documents against the topics");
        assertEquals(again.missing(), reported.missing(), h.name + ": missing records per window, host documents against the topics "
                + again.missingByStream());
        assertEquals(h.calls(), getppid(docs), h.name + ": getppid calls in the aggregates topic");
        assertEquals(h.calls(), getppid(fromElasticsearch(h.name, "host")), h.name + ": getppid calls in Elasticsearch");
        for (JsonNode d : docs) {
            double records = d.path("records").asDouble();
            double expected = records / (records + d.path("missing").asDouble());
            assertEquals(expected, d.path("coverage").asDouble(), 1e-9, h.name + ": coverage of " + d.path("id").asText());
        }
        if (again.totalMissing() == 0) {
            assertExact(h);
        } else {
            assertTrue(docs.stream().anyMatch(d -> d.path("coverage").asDouble() < 1.0), h.name + ": a window reports the loss");
        }
        return again;
    }
}
