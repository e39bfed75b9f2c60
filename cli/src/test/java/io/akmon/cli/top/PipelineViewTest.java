package io.akmon.cli.top;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void theJsonSnapshotCarriesTheKernelsHostFiguresAndMarksTheRunsOwnProcess() throws Exception {
        PipelineView view = new PipelineView("10s");
        view.showAlways("vm", 42);
        view.accept("akmon.aggregates", json("""
                {"kind":"host","resolution":"10s","host":"vm","timestamp":1000,"window_end":11000,
                 "cpu_busy_pct":57.5,"cpu_busy_ns":5750000000,"cpu_interval_ns":10000000000,"cpu_pct":40.0,
                 "mem_used_bytes":6000000000,"mem_available_bytes":18000000000,"mem_total_bytes":24000000000,
                 "rss_bytes":5000000000,"live_processes":68,"coverage":1.0}"""));
        view.accept("akmon.aggregates", json("""
                {"kind":"process","resolution":"10s","host":"vm","pid":42,"comm":"java","timestamp":1000,
                 "window_end":11000,"cpu_pct":38.3,"rss_bytes":786000000,"syscall_count":38740}"""));
        view.accept("akmon.aggregates", json("""
                {"kind":"process","resolution":"10s","host":"vm","pid":7,"comm":"stress","timestamp":1000,
                 "window_end":11000,"cpu_pct":99.0,"rss_bytes":1000000,"syscall_count":10}"""));
        view.accept("akmon.aggregates", json("""
                {"kind":"host","resolution":"1m","host":"vm","timestamp":0,"cpu_busy_pct":1.0}"""));

        ObjectNode o = view.snapshot(12_000, 10);
        JsonNode host = o.path("hosts").get(0);
        assertEquals(1, o.path("hosts").size(), "one host, at the view's resolution only");
        assertEquals(57.5, host.path("cpu_busy_pct").asDouble());
        assertEquals(6_000_000_000L, host.path("mem_used_bytes").asLong());
        assertEquals(18_000_000_000L, host.path("mem_available_bytes").asLong());
        assertEquals(68, host.path("live_processes").asInt());
        JsonNode first = o.path("processes").get(0);
        JsonNode second = o.path("processes").get(1);
        assertEquals(7, first.path("pid").asInt(), "busiest first");
        assertFalse(first.path("self").asBoolean());
        assertEquals(42, second.path("pid").asInt());
        assertTrue(second.path("self").asBoolean(), "the run's own process is marked");
        assertTrue(view.render(12_000, 160, 45).contains("java *"));
    }
}
