package io.akmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.testing.BpfPrograms;
import io.akmon.agent.testing.Workload;
import io.akmon.cli.run.LocalPipeline;
import io.akmon.flink.sink.es.EsClient;
import io.akmon.flink.sink.es.IndexNames;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.nio.file.Path;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local pipeline as {@code akmon run} starts it: kernel -> agent -> Kafka -> Flink -> Elasticsearch.
 * A workload with known counts must come out of the aggregation job exactly, in Kafka and in
 * Elasticsearch; a real crash loop and a real fork storm must raise their alerts in both; and stopping
 * must leave no probe, broker, node or job behind.
 */
class LocalPipelineIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CALLS = 250_000;
    private static final int CHILDREN = 12;
    /** Above the fork-storm rule's default of 50 forks by one parent within 10 s. */
    private static final int STORM_FORKS = 60;
    /** The crash-loop rule's default: 3 non-zero exits of one executable within 60 s. */
    private static final int CRASH_LOOP_EXITS = 3;

    @Test
    void aKnownWorkloadComesOutExactlyAndStoppingLeavesNothingBehind(@TempDir Path data) throws Exception {
        String comm = Workload.binary().getFileName().toString();
        comm = comm.substring(0, Math.min(15, comm.length()));
        String bootstrap;
        String rest;
        String es;
        java.util.Set<Long> programs;
        try (Workload calls = Workload.start("getppid", Long.toString(CALLS));
             Workload crasher = Workload.start("spawn", Integer.toString(CHILDREN), "3");
             Workload storm = Workload.start("forks", Integer.toString(STORM_FORKS))) {
            LocalPipeline.Options o = new LocalPipeline.Options();
            o.dataDir = data.resolve("local"); // made by the pipeline itself
            o.window = "2s";
            o.agent.comms = List.of(comm); // the workloads and every process they start, nothing else
            o.agent.pinDir = "";
            try (LocalPipeline pipeline = LocalPipeline.start(o, System.err);
                 Heartbeat heartbeat = new Heartbeat()) {
                bootstrap = pipeline.bootstrapServers();
                rest = pipeline.flinkRestUrl();
                es = pipeline.elasticsearchUrl();
                assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(o.dataDir)), "the data directory is the agent user's alone");
                List<String> listening = Ports.listeningAddressesOfThisProcess();
                assertTrue(listening.size() >= 4, "Kafka, Flink REST, Elasticsearch and more listen: " + listening);
                assertEquals(List.of(), listening.stream().filter(a -> !Ports.isLoopback(a)).toList(),
                        "everything the local pipeline listens on is loopback (/proc/net/tcp hex address:port)");
                programs = BpfPrograms.heldBy(ProcessHandle.current().pid());
                assertTrue(programs.size() >= 6, "the agent's probes are loaded: " + programs);
                calls.go();
                crasher.go();
                long lastCrash = System.currentTimeMillis();
                storm.go();
                long lastFork = System.currentTimeMillis();
                calls.finish();
                crasher.finish();
                storm.finish();
                heartbeat.start(); // later events move event time past the crashes and forks

                Map<String, JsonNode> windows = new HashMap<>(); // by document id: a window updated late replaces itself
                Map<String, JsonNode> alerts = new HashMap<>();
                Map<String, Long> alertSeenAt = new HashMap<>();
                java.util.Set<String> partials = new java.util.HashSet<>(); // ids of the live partials
                // the view of akmon run, fed what the run's view reads
                io.akmon.cli.top.PipelineView view = new io.akmon.cli.top.PipelineView(o.window);
                boolean viewShowedLive = false;
                long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                long getppid = 0;
                long exitsWithCode3 = 0;
                try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
                    c.subscribe(List.of(LocalPipeline.AGGREGATES_TOPIC, LocalPipeline.ALERTS_TOPIC, LocalPipeline.LIVE_TOPIC));
                    while (System.nanoTime() < deadline
                            && (getppid < CALLS || exitsWithCode3 < CHILDREN || alerts.size() < 2)) {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                            JsonNode a = JSON.readTree(r.value());
                            view.accept(r.topic(), a);
                            if (r.topic().equals(LocalPipeline.LIVE_TOPIC)) {
                                assertFalse(a.path("final").asBoolean(true), "only partials on the live topic: " + a);
                                partials.add(a.path("id").asText());
                            } else if (r.topic().equals(LocalPipeline.ALERTS_TOPIC)) {
                                String rule = a.path("rule").asText();
                                boolean ours = rule.equals("crash-loop") && comm.equals(a.path("key_fields").path("comm").asText())
                                        || rule.equals("fork-storm") && a.path("key_fields").path("ppid").asInt() == storm.pid();
                                if (ours && alerts.putIfAbsent(rule, a) == null) {
                                    alertSeenAt.put(rule, System.currentTimeMillis());
                                }
                            } else if ("2s".equals(a.path("resolution").asText())) {
                                windows.put(a.path("id").asText(), a);
                            }
                        }
                        for (JsonNode row : view.snapshot(System.currentTimeMillis(), 50).path("processes")) {
                            viewShowedLive |= !row.path("final").asBoolean(true);
                        }
                        getppid = getppidCalls(windows.values(), calls.pid());
                        exitsWithCode3 = exitsWithCode(windows.values(), "3");
                    }
                }
                assertEquals(CALLS, getppid, "getppid calls of the workload across its windows");
                assertEquals(CHILDREN, exitsWithCode3, "children exiting with code 3, from the host aggregates");
                assertTrue(alerts.containsKey("crash-loop"), "crash-loop alert for " + comm + "; alerts seen: " + alerts.keySet());
                assertTrue(alerts.containsKey("fork-storm"), "fork-storm alert for pid " + storm.pid() + "; alerts seen: " + alerts.keySet());
                assertEquals(CRASH_LOOP_EXITS, alerts.get("crash-loop").path("matched").path("crash").size(), "exits in the crash-loop match");
                // the open windows were live on their own topic, under the ids their final documents then had
                assertTrue(partials.stream().anyMatch(windows::containsKey), "a live partial's id has its final document: "
                        + partials.size() + " partials");
                assertTrue(viewShowedLive, "the view showed a live row");
                System.err.printf("alert latency: crash-loop %d ms after the last crash exited, fork-storm %d ms after the last fork%n",
                        alertSeenAt.get("crash-loop") - lastCrash, alertSeenAt.get("fork-storm") - lastFork);

                // the same totals and both alerts in Elasticsearch, where Grafana reads them
                try (EsClient client = EsClient.connect(es)) {
                    String metrics = IndexNames.defaults().alias(IndexNames.METRICS);
                    String alertIndex = IndexNames.defaults().alias(IndexNames.ALERTS);
                    List<JsonNode> docs = List.of();
                    List<JsonNode> alertDocs = List.of();
                    long esDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (System.nanoTime() < esDeadline) {
                        client.call("POST", "/" + metrics + "/_refresh", null, true);
                        client.call("POST", "/" + alertIndex + "/_refresh", null, true);
                        docs = search(client, metrics, "resolution:\"2s\"");
                        alertDocs = search(client, alertIndex, "*");
                        if (ids(docs).containsAll(windows.keySet()) && getppidCalls(docs, calls.pid()) == CALLS && exitsWithCode(docs, "3") == CHILDREN
                                && alertDocs.stream().filter(d -> alerts.values().stream()
                                        .anyMatch(a -> a.path("id").equals(d.path("id")))).count() == 2) {
                            break;
                        }
                        Thread.sleep(500);
                    }
                    assertEquals(docs.size(), ids(docs).size(), "one Elasticsearch document per aggregate window");
                    assertTrue(ids(docs).containsAll(windows.keySet()), "every window from Kafka is in Elasticsearch");
                    assertEquals(CALLS, getppidCalls(docs, calls.pid()), "getppid calls in Elasticsearch");
                    assertEquals(CHILDREN, exitsWithCode(docs, "3"), "exits with code 3 in Elasticsearch");
                    for (JsonNode a : alerts.values()) {
                        assertTrue(alertDocs.stream().anyMatch(d -> d.path("id").equals(a.path("id"))
                                && d.path("rule").equals(a.path("rule"))), "alert " + a.path("id") + " in Elasticsearch");
                    }
                }
                assertTrue(pipeline.jobFailure() == null, "the jobs kept running: " + pipeline.jobFailure());

                // akmon status against this deployment, as a script would run it
                Process status = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar", Path.of("target", "akmon.jar").toAbsolutePath().toString(),
                        "status", "--bootstrap", bootstrap, "--flink", rest).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                JsonNode health = JSON.readTree(status.getInputStream().readAllBytes());
                assertTrue(status.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
                assertEquals(0, status.exitValue(), "healthy: " + health);
                assertEquals(1, health.path("agents").asInt(), health.toString());
                assertEquals(0, health.path("lost").asLong(), health.toString());
                assertEquals("running", health.path("job_state").asText(), health.toString());
                assertTrue(health.path("last_checkpoint_ms").asLong() > 0, health.toString());
            }
        }
        assertEquals(java.util.Set.of(), BpfPrograms.stillLoaded(programs), "every probe detached");
        assertFalse(Ports.listening(bootstrap), "Kafka stopped");
        assertFalse(Ports.listening(rest.replace("http://", "")), "Flink stopped");
        assertFalse(Ports.listening(es.replace("http://", "")), "Elasticsearch stopped");
    }

    private static long getppidCalls(Iterable<JsonNode> aggregates, int pid) {
        long n = 0;
        for (JsonNode a : aggregates) {
            if ("process".equals(a.path("kind").asText()) && a.path("pid").asInt() == pid) {
                for (JsonNode s : a.path("syscalls")) {
                    if ("getppid".equals(s.path("name").asText())) {
                        n += s.path("count").asLong();
                    }
                }
            }
        }
        return n;
    }

    private static java.util.Set<String> ids(List<JsonNode> docs) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        docs.forEach(d -> ids.add(d.path("id").asText()));
        return ids;
    }

    private static long exitsWithCode(Iterable<JsonNode> aggregates, String code) {
        long n = 0;
        for (JsonNode a : aggregates) {
            if ("host".equals(a.path("kind").asText())) {
                n += a.path("exits_by_code").path(code).asLong();
            }
        }
        return n;
    }

    static List<JsonNode> search(EsClient client, String index, String query) {
        JsonNode r = client.call("GET", "/" + index + "/_search?size=10000&q="
                + URLEncoder.encode(query, StandardCharsets.UTF_8), null, true);
        List<JsonNode> sources = new ArrayList<>();
        if (r != null) {
            r.path("hits").path("hits").forEach(h -> sources.add(h.path("_source")));
        }
        return sources;
    }

    /** Starts a short-lived workload process every 500 ms, so event time keeps moving once the work is done. */
    static final class Heartbeat implements AutoCloseable {
        private final Thread thread = new Thread(this::beat, "heartbeat");
        private volatile boolean stop;

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        private void beat() {
            while (!stop) {
                try {
                    new ProcessBuilder(Workload.binary().toString(), "exit", "0").start().waitFor();
                    Thread.sleep(500);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(5000);
        }
    }

    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return consumer(bootstrap, Map.of());
    }

    /** As above, with the pipeline's client properties (TLS with {@code --tls}). */
    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, Map<String, String> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "local-pipeline-it");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }


}
