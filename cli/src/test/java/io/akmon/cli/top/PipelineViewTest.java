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

    @Test
    void theOpenWindowShowsLiveUntilItsFinalDocumentsReplaceIt() throws Exception {
        PipelineView view = new PipelineView("10s");
        view.accept("akmon.aggregates.live", json("""
                {"id":"host/10s/vm/1000","kind":"host","resolution":"10s","host":"vm","timestamp":1000,
                 "window_end":11000,"cpu_busy_pct":12.5,"live_processes":3,"final":false}"""));
        view.accept("akmon.aggregates.live", json("""
                {"id":"process/10s/vm/7/1000","kind":"process","resolution":"10s","host":"vm","pid":7,
                 "comm":"stress","timestamp":1000,"window_end":11000,"cpu_pct":30.0,"syscall_count":10,"final":false}"""));

        ObjectNode live = view.snapshot(5_000, 10);
        assertFalse(live.path("processes").get(0).path("final").asBoolean(true), "the row is a live partial");
        assertEquals(30.0, live.path("processes").get(0).path("cpu_pct").asDouble());
        assertFalse(live.path("hosts").get(0).path("final").asBoolean(true));
        String screen = view.render(5_000, 160, 45);
        assertTrue(row(screen, "stress").endsWith(" live"), screen);
        assertTrue(row(screen, "host vm").contains(" live "), screen);
        assertTrue(screen.contains(": live (still open"), screen);

        // The window closes: the final documents of the same ids take the live ones' place.
        view.accept("akmon.aggregates", json("""
                {"id":"process/10s/vm/7/1000","kind":"process","resolution":"10s","host":"vm","pid":7,
                 "comm":"stress","timestamp":1000,"window_end":11000,"cpu_pct":99.0,"syscall_count":40,"final":true}"""));
        view.accept("akmon.aggregates", json("""
                {"id":"host/10s/vm/1000","kind":"host","resolution":"10s","host":"vm","timestamp":1000,
                 "window_end":11000,"cpu_busy_pct":57.5,"live_processes":3,"final":true}"""));
        // A partial read after them (the live topic is read beside the aggregates topic, and replays) is ignored.
        view.accept("akmon.aggregates.live", json("""
                {"id":"process/10s/vm/7/1000","kind":"process","resolution":"10s","host":"vm","pid":7,
                 "comm":"stress","timestamp":1000,"window_end":11000,"cpu_pct":31.0,"final":false}"""));
        view.accept("akmon.aggregates.live", json("""
                {"id":"host/10s/vm/1000","kind":"host","resolution":"10s","host":"vm","timestamp":1000,
                 "window_end":11000,"cpu_busy_pct":13.0,"final":false}"""));

        ObjectNode closed = view.snapshot(12_000, 10);
        assertEquals(1, closed.path("processes").size(), "one row per process: the final one replaced the live one");
        JsonNode p = closed.path("processes").get(0);
        assertTrue(p.path("final").asBoolean(false));
        assertEquals(99.0, p.path("cpu_pct").asDouble());
        assertEquals(40, p.path("syscall_count").asLong());
        JsonNode h = closed.path("hosts").get(0);
        assertTrue(h.path("final").asBoolean(false));
        assertEquals(57.5, h.path("cpu_busy_pct").asDouble());
        screen = view.render(12_000, 160, 45);
        assertTrue(row(screen, "stress").endsWith(" final"), screen);
        assertTrue(row(screen, "host vm").contains(" final "), screen);
        assertTrue(screen.contains(": final (closed"), screen);

        // The next window's first partial starts the table anew, live.
        view.accept("akmon.aggregates.live", json("""
                {"id":"process/10s/vm/8/11000","kind":"process","resolution":"10s","host":"vm","pid":8,
                 "comm":"make","timestamp":11000,"window_end":21000,"cpu_pct":5.0,"final":false}"""));
        ObjectNode next = view.snapshot(14_000, 10);
        assertEquals(1, next.path("processes").size());
        assertEquals(8, next.path("processes").get(0).path("pid").asInt());
        assertFalse(next.path("processes").get(0).path("final").asBoolean(true));
    }

    /** The screen's line that contains {@code text}, trailing blanks removed. */
    private static String row(String screen, String text) {
        return screen.lines().filter(l -> l.contains(text)).findFirst().orElseThrow(() -> new AssertionError(text + " in " + screen))
                .stripTrailing();
    }
}
