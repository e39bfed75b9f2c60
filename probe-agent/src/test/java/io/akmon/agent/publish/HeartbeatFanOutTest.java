package io.akmon.agent.publish;

import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeartbeatFanOutTest {
    private final FakeTransport transport = new FakeTransport(2).partitions("t.b", 3);
    private final PartitionCounts partitions = new PartitionCounts();
    private final HeartbeatFanOut beats = new HeartbeatFanOut("h", "b", List.of("t.a", "t.b"));

    private List<FakeTransport.Sent> sent() {
        return transport.sent();
    }

    @Test
    void aHeartbeatWaitsUntilTheSpoolIsAcknowledgedPastItsBarrier() {
        beats.queue(1_000, 10);
        assertEquals(10, beats.firstBarrier());
        beats.sendDue(9, transport, partitions);
        assertEquals(List.of(), sent());
        beats.sendDue(10, transport, partitions);
        assertEquals(5, sent().size(), "2 partitions of t.a and 3 of t.b");
        assertEquals(List.of("t.a/0", "t.a/1", "t.b/0", "t.b/1", "t.b/2"),
                sent().stream().map(s -> s.topic() + "/" + s.partition()).toList());
        assertTrue(sent().get(0).lines().get(0).contains("\"ts\":1000"));
        assertFalse(sent().get(0).lines().get(0).contains("closing"));
        assertEquals(1, beats.sent());
        assertEquals(-1, beats.firstBarrier());
    }

    @Test
    void theNewestDueHeartbeatSupersedesTheOlderOnes() {
        beats.queue(1_000, 5);
        beats.queue(2_000, 6);
        beats.queue(3_000, 9);
        beats.sendDue(7, transport, partitions);
        assertEquals(1, beats.sent());
        assertTrue(sent().stream().allMatch(s -> s.lines().get(0).contains("\"ts\":2000")));
        assertEquals(9, beats.firstBarrier(), "the one after the acknowledged records still waits");
    }

    @Test
    void atMostOneHeartbeatIsInFlight() {
        transport.answers = s -> FakeTransport.HOLD;
        beats.queue(1_000, 0);
        beats.sendDue(0, transport, partitions);
        beats.queue(2_000, 0);
        beats.sendDue(0, transport, partitions);
        assertEquals(1, beats.sent(), "the second waited for no buffer: it is superseded by the next");
        transport.release();
        beats.queue(3_000, 0);
        beats.sendDue(0, transport, partitions);
        assertEquals(2, beats.sent());
    }

    @Test
    void theQueueIsBounded() {
        for (int i = 0; i < HeartbeatFanOut.MAX_PENDING + 10; i++) {
            beats.queue(i, i + 100);
        }
        assertEquals(110, beats.firstBarrier(), "the oldest were dropped");
    }

    @Test
    void aSendThatCannotStartIsNotCounted() {
        transport.answers = s -> {
            throw new KafkaException("closed");
        };
        beats.queue(1_000, 0);
        beats.sendDue(0, transport, partitions);
        assertEquals(0, beats.sent());
    }

    @Test
    void theClosingHeartbeatIsMarkedAndGoesToEveryPartition() {
        beats.inUse();
        assertTrue(beats.sendClosing(5_000, transport, partitions));
        assertTrue(beats.closingSent());
        assertEquals(5, sent().size());
        assertTrue(sent().stream().allMatch(s -> s.lines().get(0).contains("\"closing\":true")));
        assertEquals(0, beats.sent(), "the closing heartbeat is not among the periodic ones");
    }

    @Test
    void noClosingHeartbeatWhenHeartbeatsWereNeverUsed() {
        assertFalse(beats.sendClosing(5_000, transport, partitions));
        assertEquals(List.of(), sent());
        beats.queue(1_000, 0); // heartbeats given by hand count as in use
        assertTrue(beats.sendClosing(5_000, transport, partitions));
    }
}
