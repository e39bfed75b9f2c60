package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HealthRecordTest {
    @Test
    void figuresInRecordOrderWithTheExtrasLast() {
        KafkaSink.Stats s = new KafkaSink.Stats(10, 9, 900, 1, 100, 2, 3, 4, 5, 6, 7, true);
        Map<String, Object> f = HealthRecord.figures(s, 123, 1 << 20, Map.of("records_read", 11L));
        assertEquals(List.of("started_ns", "records_accepted", "records_produced", "bytes_produced", "records_rejected",
                "kernel_lost", "spool_records", "spool_bytes", "spool_max_bytes", "spool_full_dropped", "spool_io_dropped",
                "shed_dropped", "producer_errors", "kafka_connected", "records_read"), List.copyOf(f.keySet()));
        assertEquals(List.of(123L, 10L, 9L, 900L, 5L, 7L, 1L, 100L, (long) (1 << 20), 2L, 3L, 4L, 6L, true, 11L),
                List.copyOf(f.values()));
        Event health = HealthRecord.fill(new Event(EventType.AGENT, "h", "b", -2, 1, 1, 0, null), 1_000_000_000L, f);
        assertEquals(1_000_000_000L, health.getLong("interval_ns"));
        assertEquals(9L, health.getLong(KafkaSink.RECORDS_PRODUCED));
        assertEquals(true, health.get(KafkaSink.KAFKA_CONNECTED));
    }
}
