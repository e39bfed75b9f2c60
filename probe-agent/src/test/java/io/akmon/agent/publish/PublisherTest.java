package io.akmon.agent.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.event.Event;
import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.spool.Spool;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The publisher thread over a fake transport and a real spool: order, acknowledgement, recovery, heartbeats. */
class PublisherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private final FakeTransport transport = new FakeTransport(PARTITIONS);
    private final LossLedger losses = new LossLedger();
    private final AtomicInteger topicChecks = new AtomicInteger();
    private Spool spool;
    private Publisher publisher;
    private HeartbeatFanOut heartbeats;
    private KafkaSinkConfig config;

    private Publisher publisher(int frameBytes) throws IOException {
        config = new KafkaSinkConfig();
        config.bootstrap = "fake:9092";
        config.spoolDir = dir.toString();
        config.frameBytes = frameBytes;
        config.validate();
        spool = Spool.open(dir, config.spoolMaxBytes);
        SinkTopics topics = new SinkTopics(config);
        heartbeats = new HeartbeatFanOut("h", "b", topics.heartbeat());
        ProblemLog log = new ProblemLog(AgentLog.to(null, "kafka"));
        publisher = new Publisher(config, spool, losses, topics, heartbeats, log, transport.supplier(),
                (timeoutMs, startup) -> topicChecks.incrementAndGet() > 0, new SpoolSync(spool, log), false);
        return publisher;
    }

    @AfterEach
    void stop() throws IOException {
        if (publisher != null) {
            publisher.drain(1000);
        }
        if (spool != null) {
            spool.close();
        }
    }

    private void spoolForks(int n) {
        for (int i = 1; i <= n; i++) {
            Event e = new Event(EventType.FORK, "h", "b", 0, i, 1_000_000L * i, 100 + i % 7, "c").put(Fields.PPID, 1);
            assertEquals(Spool.Result.OK, spool.append(SpoolRecord.encode(e), false));
        }
        assertTrue(spool.tryFlush());
    }

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** seq -> times Kafka acknowledged it, over the records (heartbeats aside). */
    private static Map<Long, Integer> deliveredSeqs(List<FakeTransport.Sent> sends) {
        Map<Long, Integer> seqs = new TreeMap<>();
        for (FakeTransport.Sent s : sends) {
            if (!s.heartbeat()) {
                s.lines().forEach(l -> seqs.merge(json(l).get(Fields.SEQ).asLong(), 1, Integer::sum));
            }
        }
        return seqs;
    }

    /** Spools {@code n} records, waits until the spool is drained, and checks Kafka got each exactly once. */
    private void deliverForks(int frameBytes, int n) throws Exception {
        publisher(frameBytes).start();
        spoolForks(n);
        publisher.wake();
        await(() -> spool.depth() == 0, "the spool to drain");
        Map<Long, Integer> seqs = deliveredSeqs(transport.delivered());
        assertEquals(n, seqs.size());
        assertTrue(seqs.values().stream().allMatch(c -> c == 1), "each record once, none twice: " + seqs);
        assertEquals(n, publisher.produced());
    }

    @Test
    void everyRecordIsDeliveredOnceInItsKeysPartitionInOrderAndTheSpoolAcknowledged() throws Exception {
        deliverForks(64 * 1024, 200);
        assertEquals(200, spool.ackIndex());
        Map<String, Long> lastSeq = new HashMap<>();
        for (FakeTransport.Sent s : transport.sent()) {
            assertEquals(config.topic(EventType.FORK), s.topic());
            for (String line : s.lines()) {
                JsonNode j = json(line);
                byte[] key = SpoolRecord.keyAndValue(SpoolRecord.encode(new Event(EventType.FORK, "h", "b", 0, 0, 0,
                        j.get(Fields.PID).asInt(), "c")))[0];
                assertEquals(KafkaSink.partitionOf(key, PARTITIONS), s.partition(), "a record framed into its key's partition");
                Long before = lastSeq.put(s.topic() + "/" + s.partition(), j.get(Fields.SEQ).asLong());
                assertTrue(before == null || before < j.get(Fields.SEQ).asLong(), "order within a partition");
            }
        }
        assertTrue(publisher.connected());
    }

    @Test
    void theSpoolIsAcknowledgedOnlyUpToTheFirstRecordWithoutAnAnswer() throws Exception {
        transport.answers = s -> FakeTransport.HOLD;
        publisher(0).start();
        spoolForks(20);
        publisher.wake();
        await(() -> transport.sent().size() == 20, "every record to be sent");
        assertEquals(0, spool.ackIndex());
        assertEquals(20, spool.depth());
        transport.answers = s -> null;
        transport.release();
        await(() -> spool.depth() == 0, "the answers to release the spool");
        assertEquals(20, spool.ackIndex());
    }

    @Test
    void aFailedSendIsReplayedFromTheSpoolAndNothingIsDeliveredTwice() throws Exception {
        AtomicBoolean failOnce = new AtomicBoolean(true);
        // records alone; the 5th send fails once, while later ones may be delivered meanwhile
        AtomicInteger sends = new AtomicInteger();
        transport.answers = s -> sends.incrementAndGet() == 5 && failOnce.getAndSet(false) ? new TimeoutException("broker away") : null;
        deliverForks(0, 50);
        assertEquals(1, publisher.producerErrors());
        assertTrue(transport.opened >= 2, "the producer is opened again after the failure");
        assertTrue(topicChecks.get() >= 2, "the topics are checked again before the replay");
        assertEquals(0, losses.total(LossLedger.Reason.REJECTED));
    }

    @Test
    void aRecordKafkaRefusesForGoodIsDroppedAndCountedAndTheRestGoesOn() throws Exception {
        transport.answers = s -> s.lines().get(0).contains("\"seq\":7,") ? new RecordTooLargeException("too large") : null;
        publisher(0).start();
        spoolForks(10);
        publisher.wake();
        await(() -> spool.depth() == 0, "the spool to drain");
        assertEquals(1, losses.dropped(EventType.FORK, LossLedger.Reason.REJECTED));
        assertEquals(9, publisher.produced());
        assertEquals(9, deliveredSeqs(transport.delivered()).size());
    }

    @Test
    void aHeartbeatWaitsForTheRecordsBeforeItThenReachesEveryPartitionOfEveryEventTopic() throws Exception {
        transport.answers = s -> s.heartbeat() ? null : FakeTransport.HOLD;
        publisher(64 * 1024).start();
        spoolForks(30);
        heartbeats.queue(123_000_000L, spool.nextIndex());
        publisher.wake();
        await(() -> deliveredSeqs(transport.sent()).size() == 30, "the records to be sent");
        Thread.sleep(50);
        assertEquals(0, transport.sent().stream().filter(FakeTransport.Sent::heartbeat).count(), "no heartbeat before its records are acknowledged");
        transport.answers = s -> null;
        transport.release();
        await(() -> heartbeats.sent() == 1, "the heartbeat");
        assertBeatsLastInEveryPartition(123_000_000L, false);
    }

    @Test
    void aCleanDrainEndsWithTheClosingHeartbeatInEveryPartitionAfterTheLastRecord() throws Exception {
        publisher(64 * 1024).start();
        heartbeats.inUse();
        spoolForks(40);
        publisher.wake();
        publisher.drain(5000);
        assertEquals(0, spool.depth());
        assertTrue(heartbeats.closingSent());
        assertBeatsLastInEveryPartition(-1, true);
        assertEquals(1, transport.closed);
        publisher = null;
    }

    @Test
    void aDrainThatLeavesRecordsInTheSpoolSendsNoClosingHeartbeat() throws Exception {
        transport.answers = s -> FakeTransport.HOLD; // Kafka never answers
        publisher(64 * 1024).start();
        heartbeats.inUse();
        spoolForks(40);
        publisher.wake();
        await(() -> deliveredSeqs(transport.sent()).size() == 40, "the records to be sent");
        publisher.drain(200);
        assertEquals(40, spool.depth(), "the records stay spooled for the next start");
        assertFalse(heartbeats.closingSent());
        assertEquals(0, transport.sent().stream().filter(FakeTransport.Sent::heartbeat).count());
        publisher = null;
    }

    /** In every partition of every event topic, the last send is a heartbeat (of {@code progress}, if >= 0). */
    private void assertBeatsLastInEveryPartition(long progress, boolean closing) {
        Map<String, FakeTransport.Sent> last = new HashMap<>();
        for (FakeTransport.Sent s : transport.sent()) {
            last.put(s.topic() + "/" + s.partition(), s);
        }
        List<String> missing = new ArrayList<>();
        for (String topic : heartbeats.topics()) {
            for (int p = 0; p < PARTITIONS; p++) {
                FakeTransport.Sent s = last.get(topic + "/" + p);
                if (s == null || !s.heartbeat()) {
                    missing.add(topic + "/" + p);
                    continue;
                }
                JsonNode j = json(s.lines().get(0));
                if (progress >= 0) {
                    assertEquals(progress, j.get(Fields.TS).asLong());
                }
                assertEquals(closing, j.path(Fields.CLOSING).asBoolean(false), topic + "/" + p);
            }
        }
        assertEquals(List.of(), missing, "partitions whose last record is not the heartbeat");
        assertFalse(heartbeats.topics().contains(config.topic(EventType.AUDIT)));
    }
}
