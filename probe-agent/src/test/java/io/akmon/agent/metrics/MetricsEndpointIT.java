package io.akmon.agent.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.publish.KafkaSink;
import io.akmon.agent.testing.KafkaTopics;
import io.akmon.agent.testing.PrometheusText;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.schema.Fields;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged agent with --metrics-port, into a real broker: /metrics is scraped over HTTP while it
 * runs, and the figures must equal those of the health record it publishes when it stops. The agent
 * watches one process tree only (--pid), so nothing changes between the last scrape and that record.
 */
class MetricsEndpointIT {
    private static final Path JAR = Path.of("target", "akmon-agent.jar");
    private static EmbeddedKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void scrapedFiguresEqualTheHealthRecord() throws Exception {
        // 20 fork/exec/exit triples once the agent is up (a line on its stdin says so), then quiet
        Process tree = new ProcessBuilder("sh", "-c", "read go; for i in $(seq 20); do /bin/true; done; exec sleep 600").start();
        Process agent = new ProcessBuilder(java(), "-jar", JAR.toAbsolutePath().toString(), "--sink", "kafka",
                "--bootstrap", kafka.bootstrapServers(), "--topic-prefix", "metrics.", "--spool-dir", tmp.resolve("spool").toString(),
                "--pin-dir", "", "--families", "process", "--pid", Long.toString(tree.pid()), "--health-interval", "1h",
                "--metrics-port", "0").start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(agent.getErrorStream(), StandardCharsets.UTF_8));
            StringBuilder stderr = new StringBuilder();
            String url = null;
            for (String line; url == null && (line = err.readLine()) != null; ) {
                stderr.append(line).append('\n');
                if (line.startsWith("akmon agent: metrics at ")) {
                    url = line.substring("akmon agent: metrics at ".length());
                }
            }
            assertNotNull(url, "agent said: " + stderr);
            assertTrue(url.matches("http://127\\.0\\.0\\.1:\\d+/metrics"), "loopback by default: " + url);
            assertTrue(stderr.toString().contains("running"), "probes attached before the metrics line: " + stderr);
            tree.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
            tree.getOutputStream().flush();
            CompletableFuture<String> restOfStderr = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(agent.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            });
            CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> {
                try {
                    return agent.getInputStream().readAllBytes();
                } catch (java.io.IOException e) {
                    return new byte[0];
                }
            });

            // scrape until every record is in and delivered, and two scrapes a second apart agree
            PrometheusText.Scrape last = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                PrometheusText.Scrape s = PrometheusText.scrape(url);
                boolean settled = s.value("akmon_records_total{type=\"exec\"}") >= 20
                        && s.value("akmon_agent_spool_records") == 0
                        && s.value("akmon_agent_records_produced_total") == s.value("akmon_agent_records_accepted_total")
                        && last != null && agentFigures(last).equals(agentFigures(s));
                last = s;
                if (settled) {
                    break;
                }
                Thread.sleep(1000);
            }
            assertTrue(last.value("akmon_records_total{type=\"exec\"}") >= 20, last.body());
            assertEquals(1, last.value("akmon_agent_kafka_connected"), last.body());

            new ProcessBuilder("kill", "-TERM", Long.toString(agent.pid())).start().waitFor();
            assertTrue(agent.waitFor(60, TimeUnit.SECONDS), "agent did not stop");
            String rest = restOfStderr.get(10, TimeUnit.SECONDS);
            assertEquals(0, agent.exitValue(), stderr + rest);
            assertEquals("", new String(stdout.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8), "nothing on stdout with the kafka sink");
            assertFalse((stderr + rest).contains("org.apache.kafka"), "the Kafka client is quiet at the default levels: " + stderr + rest);

            JsonNode health = lastHealthRecord("metrics.");
            assertNotNull(health, "a health record at shutdown");
            for (String field : List.of(KafkaSink.RECORDS_ACCEPTED, KafkaSink.RECORDS_PRODUCED, KafkaSink.BYTES_PRODUCED,
                    KafkaSink.RECORDS_REJECTED, KafkaSink.KERNEL_LOST, KafkaSink.SPOOL_FULL_DROPPED, KafkaSink.SPOOL_IO_DROPPED,
                    KafkaSink.SHED_DROPPED, KafkaSink.PRODUCER_ERRORS)) {
                assertEquals(health.get(field).asDouble(), last.value("akmon_agent_" + field + "_total"), field + " in " + health);
            }
            for (String field : List.of(KafkaSink.SPOOL_MAX_BYTES, KafkaSink.STARTED_NS)) {
                assertEquals(health.get(field).asDouble(), last.value("akmon_agent_" + field), field + " in " + health);
            }
            assertTrue(health.get(KafkaSink.RECORDS_ACCEPTED).asLong() >= 60, health.toString());
            // the sink accepts every kernel record read, plus the one audit record the agent writes at start
            assertEquals(health.get(KafkaSink.RECORDS_ACCEPTED).asDouble(), last.value("akmon_agent_records_read_total") + 1,
                    "every record read was accepted");
            for (String source : List.of("spool_full", "spool_io", "shed", "kafka_rejected", "spool_corrupt")) {
                assertEquals(0, last.value("akmon_lost_records_total{source=\"" + source + "\"}"), source);
            }
        } finally {
            agent.destroyForcibly();
            tree.destroyForcibly();
        }
    }

    private static JsonNode lastHealthRecord(String prefix) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode last = null;
        try (KafkaConsumer<String, String> consumer = KafkaTopics.fromStart(kafka, prefix + "agent")) {
            int quiet = 0;
            while (quiet < 4) {
                int n = 0;
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                    n++;
                    for (String value : KafkaTopics.records(r)) {
                        JsonNode node = json.readTree(value);
                        if (last == null || node.get(Fields.SEQ).asLong() > last.get(Fields.SEQ).asLong()) {
                            last = node;
                        }
                    }
                }
                quiet = n == 0 ? quiet + 1 : 0;
            }
        }
        return last;
    }

    @Test
    void logLevelTurnsOnTheKafkaClientsLogsOnStandardError() throws Exception {
        Process quiet = new ProcessBuilder("sleep", "600").start();
        try {
            List<String> cmd = new ArrayList<>(List.of(java(), "-jar", JAR.toAbsolutePath().toString(), "--sink", "kafka",
                    "--bootstrap", kafka.bootstrapServers(), "--topic-prefix", "loglevel.", "--spool-dir", tmp.resolve("spool2").toString(),
                    "--pin-dir", "", "--families", "process", "--pid", Long.toString(quiet.pid()), "--duration", "2s",
                    "--log-level", "org.apache.kafka.clients.producer=info"));
            Process p = new ProcessBuilder(cmd).start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "agent did not stop");
            String e = err.get(10, TimeUnit.SECONDS);
            assertEquals(0, p.exitValue(), e);
            assertEquals(0, out.length, "logs stay off standard output");
            assertTrue(e.contains("INFO org.apache.kafka.clients.producer.ProducerConfig - ProducerConfig values:"), e);
            assertFalse(e.contains("INFO org.apache.kafka.clients.admin"), "only the logger asked for: " + e);
        } finally {
            quiet.destroyForcibly();
        }
    }

    /** The scrape without the per-program kernel cost, which moves while any program runs on the host. */
    private static java.util.Map<String, Double> agentFigures(PrometheusText.Scrape s) {
        java.util.Map<String, Double> m = new java.util.TreeMap<>(s.samples());
        m.keySet().removeIf(k -> k.startsWith("akmon_bpf_program_"));
        return m;
    }
}
