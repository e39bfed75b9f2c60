package io.akmon.agent.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.spool.Spool;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SinkReportsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static List<JsonNode> read(Spool spool) throws Exception {
        spool.flush();
        List<JsonNode> out = new ArrayList<>();
        for (Spool.Entry e; (e = spool.next()) != null; ) {
            out.add(JSON.readTree(SpoolRecord.keyAndValue(e.payload())[1]));
        }
        return out;
    }

    @Test
    void dropsNotYetReportedBecomeLossRecordsThenAHealthRecordOnThePublisherStream() throws Exception {
        LossLedger losses = new LossLedger();
        KafkaSink.Stats stats = new KafkaSink.Stats(10, 8, 800, 2, 300, 0, 0, 3, 0, 1, 4, true);
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            KafkaSinkConfig c = new KafkaSinkConfig();
            ProblemLog log = new ProblemLog(AgentLog.to(null, "kafka"));
            SpoolWriter writer = new SpoolWriter(c, spool, losses, log, () -> { });
            SinkReports reports = new SinkReports("h", "b", PublisherSequence.open(dir.resolve(PublisherSequence.FILE), "b"),
                    dir, losses, writer, log, () -> stats, 1 << 20);
            reports.extras(() -> Map.of("records_read", 42));
            losses.count(LossLedger.Reason.SHED, EventType.SYSCALL);
            losses.count(LossLedger.Reason.SHED, EventType.SYSCALL);
            losses.count(LossLedger.Reason.SHED, EventType.SYSCALL);
            reports.report();
            reports.report(); // nothing new dropped: a health record alone
            List<JsonNode> r = read(spool);
            assertEquals(3, r.size());
            JsonNode lost = r.get(0);
            assertEquals("lost", lost.get(Fields.TYPE).asText());
            assertEquals(KafkaSink.SOURCE_SHED, lost.get(Fields.SOURCE).asText());
            assertEquals(3, lost.get(Fields.LOST).asLong());
            assertEquals("syscall", lost.get(KafkaSink.RECORD_TYPE).asText());
            for (int i = 0; i < 3; i++) {
                assertEquals(KafkaSink.PUBLISHER_STREAM, r.get(i).get(Fields.CPU).asInt());
                assertEquals(i + 1, r.get(i).get(Fields.SEQ).asLong(), "numbered in publisher.seq");
                assertEquals("h", r.get(i).get(Fields.HOST).asText());
            }
            JsonNode health = r.get(1);
            assertEquals("agent", health.get(Fields.TYPE).asText());
            assertEquals(10, health.get(HealthRecord.RECORDS_ACCEPTED).asLong());
            assertEquals(3, health.get(HealthRecord.SHED_DROPPED).asLong());
            assertEquals(42, health.get("records_read").asLong());
            assertTrue(health.get(Fields.INTERVAL_NS).asLong() > 0);
            assertEquals("agent", r.get(2).get(Fields.TYPE).asText());
            assertEquals(0, writer.accepted(), "the sink's own records are not the agent's");
            assertEquals(Map.of(), Map.copyOf(filterExtras(reports.health())), "the metrics view reads no extras");
        }
    }

    private static Map<String, Object> filterExtras(Map<String, Object> health) {
        Map<String, Object> m = new java.util.HashMap<>(health);
        m.keySet().removeAll(HealthRecord.figures(new KafkaSink.Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false), 0, 0, Map.of()).keySet());
        return m;
    }
}
