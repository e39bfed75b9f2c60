package io.akmon.flink.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.flink.sink.Json;
import io.akmon.flink.sink.es.EsSinkOptions;
import org.elasticsearch.action.index.IndexRequest;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The audit topic's records as audit documents: which records, which index, which id, which time field. */
class AuditIndexTest {
    private static final long TS = Instant.parse("2026-12-01T15:30:00.123456789Z").getEpochSecond() * 1_000_000_000L + 123_456_789L;
    private static final String AGENT_START = "{\"type\":\"audit\",\"host\":\"h1\",\"boot_id\":\"b\",\"cpu\":-3,\"seq\":" + TS
            + ",\"ts\":" + TS + ",\"event\":\"agent_start\",\"user\":\"akmon\"}";

    @Test
    void onlyAuditRecordsAreIndexed() {
        assertTrue(AuditIndex.isAuditRecord(AGENT_START));
        assertFalse(AuditIndex.isAuditRecord("{\"type\":\"exec\",\"host\":\"h1\",\"seq\":1}"));
        assertFalse(AuditIndex.isAuditRecord("{\"type\":\"audit\",\"seq\":1}"), "no host");
        assertFalse(AuditIndex.isAuditRecord("not json"));
    }

    @Test
    void aRecordGoesUnderItsHostStreamAndStartIntoTheDayOfItsTs() throws Exception {
        IndexRequest r = new AuditIndex.Emitter(EsSinkOptions.defaults()).request(AGENT_START);
        assertEquals("akmon-audit-2026.12.01", r.index());
        assertEquals("audit/h1/-3/" + TS, r.id());
        JsonNode doc = Json.MAPPER.readTree(r.source().utf8ToString());
        assertEquals(TS / 1_000_000L, doc.path("timestamp").asLong(), "epoch ms of ts, the time field");
        assertEquals("agent_start", doc.path("event").asText());
        assertEquals("akmon", doc.path("user").asText());
    }
}
