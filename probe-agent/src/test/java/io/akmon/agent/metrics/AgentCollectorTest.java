package io.akmon.agent.metrics;

import io.akmon.agent.loader.ProgramCost;
import io.akmon.agent.event.Event;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.publish.CollectingSink;
import io.akmon.agent.testing.PrometheusText;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentCollectorTest {
    @Test
    void servesHealthProgramsLossesAndRecordsInTheTextFormat() throws Exception {
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("records_accepted", 1234L);
        health.put("spool_bytes", 4096L);
        health.put("kafka_connected", true);
        health.put("ns_per_run_avg", 81.5); // an extra no one told the exporter about: a gauge
        MetricsTap tap = new MetricsTap(new CollectingSink());
        tap.accept(new Event(EventType.EXEC, "h", "b", 0, 1, 1, 7, "sh"));
        tap.accept(new Event(EventType.LOST, "h", "b", -1, 2, 1, 0, null).put(Fields.SOURCE, "output").put(Fields.LOST, 5L));
        tap.accept(new Event(EventType.LOST, "h", "b", -1, 3, 1, 0, null).put(Fields.SOURCE, "output").put(Fields.LOST, 2L));
        List<ProgramCost> programs = List.of(new ProgramCost("handle_exec", 200, 30_000, 1_000_000_000L), new ProgramCost("handle_exit", 0, 0, 1_000_000_000L));
        AgentCollector c = new AgentCollector(() -> health, Set.of("records_accepted"), () -> programs, tap::lostBySource, tap::recordsByType);
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, c)) {
            assertTrue(server.url().matches("http://127\\.0\\.0\\.1:\\d+/metrics"), server.url());
            PrometheusText.Scrape s = PrometheusText.scrape(server.url());
            assertTrue(s.contentType().startsWith("text/plain") && s.contentType().contains("version=0.0.4"), s.contentType());
            assertEquals(1234, s.value("akmon_agent_records_accepted_total"));
            assertEquals("counter", s.types().get("akmon_agent_records_accepted_total"), s.body());
            assertEquals(4096, s.value("akmon_agent_spool_bytes"));
            assertEquals("gauge", s.types().get("akmon_agent_spool_bytes"));
            assertEquals(1, s.value("akmon_agent_kafka_connected"));
            assertEquals(81.5, s.value("akmon_agent_ns_per_run_avg"));
            assertEquals(200, s.value("akmon_bpf_program_runs_total{program=\"handle_exec\"}"));
            assertEquals(3.0e-5, s.value("akmon_bpf_program_run_time_seconds_total{program=\"handle_exec\"}"), 1e-12);
            assertEquals(150, s.value("akmon_bpf_program_ns_per_run{program=\"handle_exec\"}"));
            assertEquals(0, s.value("akmon_bpf_program_ns_per_run{program=\"handle_exit\"}"));
            assertEquals(7, s.value("akmon_lost_records_total{source=\"output\"}"));
            assertEquals(1, s.value("akmon_records_total{type=\"exec\"}"));
            assertEquals(2, s.value("akmon_records_total{type=\"lost\"}"));
            assertEquals(0, s.value("akmon_records_total{type=\"net\"}"));
            health.put("records_accepted", 1300L);
            assertEquals(1300, PrometheusText.scrape(server.url()).value("akmon_agent_records_accepted_total"), "read afresh at every scrape");
        }
    }

    @Test
    void aTakenPortIsOneClearLine() {
        AgentCollector c = new AgentCollector(Map::of, Set.of(), null, null, null);
        try (MetricsServer first = MetricsServer.start("127.0.0.1", 0, c)) {
            ProbeException e = assertThrows(ProbeException.class, () -> MetricsServer.start("127.0.0.1", first.port(), c));
            assertTrue(e.oneLine().contains("cannot serve metrics on 127.0.0.1:" + first.port()) && e.oneLine().contains("--metrics-port"),
                    e.oneLine());
        }
        ProbeException e = assertThrows(ProbeException.class, () -> MetricsServer.start("no.such.host.invalid", 0, c));
        assertTrue(e.oneLine().contains("--metrics-address"), e.oneLine());
    }
}
