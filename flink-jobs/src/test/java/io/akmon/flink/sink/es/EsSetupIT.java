package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedElasticsearch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code akmon es setup} and {@code akmon es retention} against a real Elasticsearch 7.10 node. */
class EsSetupIT {
    static EmbeddedElasticsearch es;
    static EsClient client;
    static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd");

    @BeforeAll
    static void start() {
        es = EmbeddedElasticsearch.start();
        client = EsClient.connect(es.httpUrl());
    }

    @AfterAll
    static void stop() {
        client.close();
        es.close();
    }

    static String[] run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = new CommandLine(command).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test
    void setupInstallsMappingsAndAliasesAndRetentionDeletesOldIndices() throws Exception {
        String today = LocalDate.now(ZoneOffset.UTC).format(DAY);
        String old = LocalDate.now(ZoneOffset.UTC).minusDays(10).format(DAY);
        String recent = LocalDate.now(ZoneOffset.UTC).minusDays(3).format(DAY);
        // Indices left from earlier days (created before any template: plain dynamic mappings).
        client.call("PUT", "/akmon-metrics-" + old, Map.of());
        client.call("PUT", "/akmon-alerts-" + old, Map.of());
        client.call("PUT", "/akmon-metrics-" + recent, Map.of());
        client.call("PUT", "/unrelated-" + old, Map.of());

        String[] r = run(new EsSetupCommand(), "--es", es.httpUrl(), "--retention-days", "7", "--json");
        assertEquals("0", r[0], r[2]);
        JsonNode report = EsClient.MAPPER.readTree(r[1]);
        assertEquals("ok", report.path("status").asText());
        assertEquals(List.of("akmon-metrics", "akmon-alerts"), list(report.path("templates")));
        assertEquals(List.of("akmon-metrics-" + today, "akmon-alerts-" + today), list(report.path("indices_created")));
        assertEquals(List.of("akmon-alerts-" + old, "akmon-metrics-" + old), list(report.path("deleted")));
        assertEquals(List.of("akmon-metrics-" + recent, "akmon-metrics-" + today), Retention.indices(client, "akmon-metrics-*"));
        assertEquals(List.of("akmon-alerts-" + today), Retention.indices(client, "akmon-alerts-*"));
        assertEquals(List.of("unrelated-" + old), Retention.indices(client, "unrelated-*"));

        // The new index has the explicit mapping, including the design's names as aliases.
        JsonNode p = IndexTemplates.mappingOf(client, "akmon-metrics-" + today).path("properties");
        assertEquals("date", p.path("timestamp").path("type").asText());
        assertEquals("keyword", p.path("host").path("type").asText());
        assertEquals("long", p.path("pid").path("type").asText());
        assertEquals("float", p.path("cpu_pct").path("type").asText());
        assertEquals("alias", p.path("cpu_usage").path("type").asText());
        assertEquals("cpu_pct", p.path("cpu_usage").path("path").asText());
        assertEquals("alias", p.path("memory_usage").path("type").asText());
        assertEquals("rss_bytes", p.path("memory_usage").path("path").asText());
        assertEquals("long", p.path("rss_bytes").path("type").asText());
        assertEquals("keyword", p.path("comm").path("type").asText());
        assertEquals("double", p.path("read_latency_avg_us").path("type").asText());
        JsonNode a = IndexTemplates.mappingOf(client, "akmon-alerts-" + today).path("properties");
        assertEquals("keyword", a.path("rule").path("type").asText());
        assertEquals("keyword", a.path("severity").path("type").asText());

        // Read aliases cover the new dated indices.
        JsonNode aliases = client.get("/_alias/akmon-metrics");
        assertTrue(aliases.has("akmon-metrics-" + today), aliases.toString());
        assertTrue(client.get("/_alias/akmon-alerts").has("akmon-alerts-" + today));

        // A later day's index, created by the first write, gets mapping and alias from the template.
        String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1).format(DAY);
        client.call("PUT", "/akmon-metrics-" + tomorrow + "/_doc/x?refresh=true",
                Map.of("timestamp", 1_795_000_000_000L, "host", "h", "cpu_pct", 12.5, "comm", "later text"));
        assertEquals("keyword", IndexTemplates.mappingOf(client, "akmon-metrics-" + tomorrow)
                .path("properties").path("comm").path("type").asText());
        assertTrue(client.get("/_alias/akmon-metrics").has("akmon-metrics-" + tomorrow));

        // Running setup again changes nothing.
        r = run(new EsSetupCommand(), "--es", es.httpUrl(), "--retention-days", "7", "--json");
        assertEquals("0", r[0]);
        report = EsClient.MAPPER.readTree(r[1]);
        assertEquals(List.of(), list(report.path("indices_created")));
        assertEquals(List.of(), list(report.path("deleted")));

        // Retention with 2 days: the index of 3 days ago goes, today's and tomorrow's stay.
        r = run(new EsRetentionCommand(), "--es", es.httpUrl(), "--retention-days", "2", "--dry-run", "--json");
        assertEquals(List.of("akmon-metrics-" + recent), list(EsClient.MAPPER.readTree(r[1]).path("deleted")));
        assertEquals(3, Retention.indices(client, "akmon-metrics-*").size());
        r = run(new EsRetentionCommand(), "--es", es.httpUrl(), "--retention-days", "2");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("deleted: akmon-metrics-" + recent), r[1]);
        assertEquals(List.of("akmon-metrics-" + today, "akmon-metrics-" + tomorrow), Retention.indices(client, "akmon-metrics-*"));
    }

    @Test
    void unreachableElasticsearchIsExitStatusOneWithAJsonError() throws Exception {
        String[] r = run(new EsSetupCommand(), "--es", "http://127.0.0.1:1", "--json");
        assertEquals("1", r[0]);
        JsonNode report = EsClient.MAPPER.readTree(r[1]);
        assertEquals("error", report.path("status").asText());
        assertEquals(0, report.path("http_status").asInt());
        String[] help = run(new EsSetupCommand(), "--help");
        assertEquals("0", help[0]);
        assertTrue(help[1].contains("--retention-days"), help[1]);
        assertTrue(help[1].contains("--es"), help[1]);
    }

    static List<String> list(JsonNode array) {
        List<String> l = new java.util.ArrayList<>();
        array.forEach(n -> l.add(n.asText()));
        return l;
    }
}
