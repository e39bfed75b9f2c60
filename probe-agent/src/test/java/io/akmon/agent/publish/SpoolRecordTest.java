package io.akmon.agent.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.event.Event;
import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SpoolRecordTest {
    @Test
    void framesTypeKeyAndTheRecordsJson() throws Exception {
        Event e = new Event(EventType.EXEC, "h1", "boot", 3, 42, 1_000, 777, "bash").put("argv", "ls -l");
        byte[] payload = SpoolRecord.encode(e);
        assertEquals(4, payload[0]);
        SpoolRecord r = SpoolRecord.decode(payload);
        assertEquals("exec", r.type());
        assertEquals("h1/777", new String(r.key(), StandardCharsets.UTF_8));
        JsonNode json = new ObjectMapper().readTree(r.value());
        assertEquals(e.toJson(), new String(r.value(), StandardCharsets.UTF_8));
        assertEquals(42, json.get("seq").asLong());
        assertEquals("ls -l", json.get("argv").asText());
    }

    @Test
    void encoderIsReusedWithoutLeakingTheLastRecord() {
        Event big = new Event(EventType.EXEC, "h", "b", 0, 1, 1, 1, "x").put("argv", "a".repeat(5000));
        Event small = new Event(EventType.EXIT, "h", "b", 0, 2, 2, 1, "x");
        SpoolRecord.encode(big);
        SpoolRecord r = SpoolRecord.decode(SpoolRecord.encode(small));
        assertEquals(small.toJson(), new String(r.value(), StandardCharsets.UTF_8));
    }

    @Test
    void truncatedPayloadsAreRefusedWithTheirLength() {
        byte[] payload = SpoolRecord.encode(new Event(EventType.EXEC, "h", "b", 0, 1, 1, 1, "x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpoolRecord.decode(java.util.Arrays.copyOf(payload, 8)));
        assertEquals("spool payload of 8 bytes is shorter than its key", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SpoolRecord.decode(new byte[] {9, 'e'}));
    }

    @Test
    void theFamilyIsReadWithoutDecodingAndEveryTypeRoundTrips() {
        for (EventType t : EventType.values()) {
            Event e = new Event(t, "héte", "b", 1, 2, 3, 123456, null);
            byte[] payload = SpoolRecord.encode(e);
            assertEquals(t, SpoolRecord.typeOf(payload));
            byte[][] kv = SpoolRecord.keyAndValue(payload);
            assertEquals("héte/123456", new String(kv[0], StandardCharsets.UTF_8));
            assertEquals(e.toJson(), new String(kv[1], StandardCharsets.UTF_8));
            assertEquals(t.wireName(), SpoolRecord.decode(payload).type());
        }
        assertEquals(null, SpoolRecord.typeOf(new byte[] {3, 'f', 'o', 'o', 0, 0}));
    }

    @Test
    void aNewHostStringIsEncodedAfresh() {
        Event a = new Event(EventType.EXIT, "one", "b", 0, 1, 1, -5, null);
        Event b = new Event(EventType.EXIT, "two", "c", 0, 1, 1, 7, null);
        assertEquals("one/-5", new String(SpoolRecord.keyAndValue(SpoolRecord.encode(a))[0], StandardCharsets.UTF_8));
        assertEquals("two/7", new String(SpoolRecord.keyAndValue(SpoolRecord.encode(b))[0], StandardCharsets.UTF_8));
        assertEquals(b.toJson(), new String(SpoolRecord.keyAndValue(SpoolRecord.encode(b))[1], StandardCharsets.UTF_8));
        assertEquals(true, b.toJson().contains("\"host\":\"two\",\"boot_id\":\"c\""), b.toJson());
    }
}
