package io.akmon.bench;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecordsByOffsetTest {
    private static final TopicPartition CPU0 = new TopicPartition("fleet.cpu", 0);
    private static final TopicPartition CPU1 = new TopicPartition("fleet.cpu", 1);
    private static final TopicPartition EXIT0 = new TopicPartition("fleet.exit", 0);

    @Test
    void committedOffsetsCountTheRecordsOfTheFramesBeforeThem() {
        RecordsByOffset r = new RecordsByOffset();
        assertEquals(0, r.add(CPU0, 30));
        assertEquals(0, r.add(CPU1, 12));
        assertEquals(1, r.add(CPU0, 1));
        assertEquals(2, r.add(CPU0, 5));
        for (int i = 0; i < 3000; i++) {
            assertEquals(i, r.add(EXIT0, 1)); // unframed: one record per offset, past the first array
        }
        assertEquals(3004, r.kafkaRecords());
        assertEquals(0, r.before(Map.of(CPU0, 0L)));
        assertEquals(30, r.before(Map.of(CPU0, 1L)));
        assertEquals(36 + 12 + 2999, r.before(Map.of(CPU0, 3L, CPU1, 1L, EXIT0, 2999L)));
        assertEquals(0, r.before(Map.of(new TopicPartition("fleet.fork", 1), 0L)), "a partition never written");
        assertThrows(IllegalStateException.class, () -> r.before(Map.of(CPU1, 2L)));
    }
}
