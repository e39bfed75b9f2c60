package io.akmon.agent.publish;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PartitionCountsTest {
    private long now = 1_000;
    private final PartitionCounts counts = new PartitionCounts(() -> now);

    @Test
    void countsAreReadOnceAMinute() {
        FakeTransport t = new FakeTransport(3);
        assertEquals(3, counts.of("a", t));
        t.partitions("a", 6);
        now += TimeUnit.SECONDS.toNanos(59);
        assertEquals(3, counts.of("a", t), "cached");
        now += TimeUnit.SECONDS.toNanos(2);
        assertEquals(6, counts.of("a", t), "partitions added to a topic are seen within a minute");
    }

    @Test
    void anUnknownTopicIsMinusOne() {
        FakeTransport t = new FakeTransport(-1);
        assertEquals(-1, counts.of("gone", t));
    }
}
