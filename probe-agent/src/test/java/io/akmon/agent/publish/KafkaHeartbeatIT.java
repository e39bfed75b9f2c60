package io.akmon.agent.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.event.Event;
import io.akmon.agent.testing.KafkaTopics;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import io.akmon.schema.RecordId;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heartbeats against a real broker: each one reaches every partition of every event topic (the audit
 * trail's aside), after every record it vouches for in that partition, and changes no record figure.
 */
class KafkaHeartbeatIT {
    private static final String HOST = "hb-host";
    private static final String BOOT = "b00t-hb";
    private static final int PARTITIONS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().partitions(PARTITIONS));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private KafkaSinkConfig config(String prefix, long heartbeatMs) {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.bootstrap = kafka.bootstrapServers();
        c.topicPrefix = prefix;
        c.spoolDir = tmp.resolve("spool-" + prefix).toString();
        c.healthIntervalMs = 3_600_000;
        c.connectTimeoutMs = 3000;
        c.heartbeatIntervalMs = heartbeatMs;
        return c;
    }

    /** topic/partition -> the agent records and heartbeats there, in offset order (frames split). */
    private static Map<String, List<JsonNode>> read(String prefix, int atLeastHeartbeatsEach, Set<String> topics) throws Exception {
        return read(prefix, topics, at -> at.stream().filter(j -> j.get(Fields.TYPE).asText().equals("heartbeat")).count()
                >= atLeastHeartbeatsEach);
    }

    /** As above, until every partition of {@code topics} holds what {@code enoughIn} asks for. */
    private static Map<String, List<JsonNode>> read(String prefix, Set<String> topics,
                                                    java.util.function.Predicate<List<JsonNode>> enoughIn) throws Exception {
        Map<String, List<JsonNode>> by = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = KafkaTopics.fromStart(kafka, prefix)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    List<JsonNode> at = by.computeIfAbsent(r.topic() + "/" + r.partition(), k -> new ArrayList<>());
                    for (String line : r.value().split("\n")) {
                        at.add(JSON.readTree(line));
                    }
                }
                boolean enough = true;
                for (String t : topics) {
                    for (int p = 0; p < PARTITIONS; p++) {
                        enough &= enoughIn.test(by.getOrDefault(t + "/" + p, List.of()));
                    }
                }
                if (enough) {
                    return by;
                }
            }
        }
        throw new AssertionError("too few heartbeats: " + by.keySet());
    }

    private static Set<String> eventTopics(String prefix) {
        Set<String> topics = new TreeSet<>();
        for (EventType t : EventType.values()) {
            if (t != EventType.AUDIT && t != EventType.HEARTBEAT) {
                topics.add(prefix + t.wireName());
            }
        }
        return topics;
    }

    /** The i-th record of a mix of families, stamped {@code base} + i us, on one of 37 processes. */
    private static Event record(int i, long base) {
        EventType[] mix = {EventType.FORK, EventType.EXEC, EventType.SYSCALL, EventType.DISK};
        Event e = new Event(mix[i % mix.length], HOST, BOOT, i % 2, i, base + i * 1000L, 100 + i % 37, "c" + i % 37);
        return e.put(Fields.PPID, 1).put(Fields.SYSCALL, "read").put(Fields.COUNT, 1).put(Fields.DEVICE, "vda")
                .put(Fields.OP, "read").put(Fields.OPS, 1).put(Fields.BYTES, 4096);
    }

    @Test
    void aHeartbeatReachesEveryPartitionOfEveryEventTopicAfterTheRecordsBeforeIt() throws Exception {
        String prefix = "hb1.";
        long base = System.currentTimeMillis() * 1_000_000L - 5_000_000_000L;
        List<Event> sent = new ArrayList<>();
        try (KafkaSink sink = KafkaSink.open(config(prefix, 0), HOST, BOOT, (java.io.PrintStream) null)) {
            assertEquals(eventTopics(prefix), new TreeSet<>(sink.heartbeatTopics()));
            for (int i = 1; i <= 200; i++) {
                Event e = record(i, base);
                sink.accept(e);
                sent.add(e);
            }
            long progress = base + 201 * 1000L;
            sink.heartbeat(progress);
            Map<String, List<JsonNode>> by = read(prefix, 1, eventTopics(prefix));
            int records = 0;
            for (String t : eventTopics(prefix)) {
                for (int p = 0; p < PARTITIONS; p++) {
                    List<JsonNode> at = by.getOrDefault(t + "/" + p, List.of());
                    int firstBeat = -1;
                    for (int i = 0; i < at.size(); i++) {
                        JsonNode j = at.get(i);
                        if (j.get(Fields.TYPE).asText().equals("heartbeat")) {
                            firstBeat = firstBeat < 0 ? i : firstBeat;
                            assertEquals(progress, j.get(Fields.TS).asLong());
                            assertEquals(HOST, j.get(Fields.HOST).asText());
                            assertEquals(BOOT, j.get(Fields.BOOT_ID).asText());
                            assertEquals(RecordId.AGENT_STREAM, j.get(Fields.CPU).asInt());
                            assertEquals(0, j.get(Fields.SEQ).asLong()); // takes no sequence number
                        } else {
                            records++;
                            assertTrue(firstBeat < 0, "a record behind the heartbeat in " + t + "/" + p);
                        }
                    }
                    assertTrue(firstBeat >= 0, "no heartbeat in " + t + "/" + p);
                }
            }
            assertEquals(sent.size(), records);
            assertEquals(1, sink.heartbeatsSent());
            KafkaSink.Stats s = sink.stats();
            assertEquals(sent.size(), s.accepted()); // heartbeats are in no record figure
            assertEquals(sent.size(), s.produced());
        }
        try (Admin admin = kafka.admin()) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertFalse(names.contains(prefix + "heartbeat"), "heartbeats have no topic of their own");
            assertTrue(names.contains(prefix + "audit"));
        }
        try (KafkaConsumer<String, String> consumer = KafkaTopics.fromStart(kafka, prefix + "audit")) {
            assertTrue(consumer.poll(Duration.ofSeconds(2)).isEmpty(), "the audit trail gets no heartbeats");
        }
    }

    @Test
    void theProgressGoesOutOnTheIntervalAndOnlyForward() throws Exception {
        String prefix = "hb2.";
        long start = System.currentTimeMillis() * 1_000_000L - 1_000_000_000L;
        AtomicLong calls = new AtomicLong();
        try (KafkaSink sink = KafkaSink.open(config(prefix, 50), HOST, BOOT, (java.io.PrintStream) null)) {
            sink.progress(() -> calls.incrementAndGet() < 3 ? 0 : start + calls.get() * 1_000_000L); // 0: not known yet
            Map<String, List<JsonNode>> by = read(prefix, 5, eventTopics(prefix));
            assertEquals(0, sink.stats().accepted());
            for (Map.Entry<String, List<JsonNode>> e : by.entrySet()) {
                long last = 0;
                for (JsonNode j : e.getValue()) {
                    assertEquals("heartbeat", j.get(Fields.TYPE).asText(), e.getKey());
                    long ts = j.get(Fields.TS).asLong();
                    assertTrue(ts > last, "heartbeats in " + e.getKey() + " go forward");
                    assertTrue(ts >= start + 3 * 1_000_000L, "no heartbeat before the progress is known");
                    last = ts;
                }
            }
        }
    }

    @Test
    void aCleanCloseEndsEveryPartitionOfEveryEventTopicWithTheClosingHeartbeatAfterTheLastRecord() throws Exception {
        String prefix = "hb3.";
        long base = System.currentTimeMillis() * 1_000_000L - 5_000_000_000L;
        int sent = 0;
        KafkaSink sink = KafkaSink.open(config(prefix, 50), HOST, BOOT, (java.io.PrintStream) null);
        try (sink) {
            sink.progress(() -> System.currentTimeMillis() * 1_000_000L - 10_000_000L);
            for (int i = 1; i <= 120; i++) {
                sink.accept(record(i, base));
                sent++;
            }
        } // close: the last health record, every record acknowledged, then the closing heartbeat
        assertTrue(sink.closingHeartbeatSent());
        assertEquals(0, sink.stats().spoolRecords());
        Map<String, List<JsonNode>> by = read(prefix, eventTopics(prefix),
                at -> at.stream().anyMatch(j -> j.path(Fields.CLOSING).asBoolean(false)));
        int records = 0;
        for (String t : eventTopics(prefix)) {
            for (int p = 0; p < PARTITIONS; p++) {
                List<JsonNode> at = by.get(t + "/" + p);
                JsonNode last = at.get(at.size() - 1);
                assertEquals("heartbeat", last.get(Fields.TYPE).asText(), "the closing heartbeat is last in " + t + "/" + p);
                assertTrue(last.get(Fields.CLOSING).asBoolean(), t + "/" + p);
                assertEquals(HOST, last.get(Fields.HOST).asText());
                assertEquals(BOOT, last.get(Fields.BOOT_ID).asText());
                assertEquals(RecordId.AGENT_STREAM, last.get(Fields.CPU).asInt());
                assertTrue(last.get(Fields.TS).asLong() > base + 120 * 1000L, "its progress is past every record");
                assertEquals(1, at.stream().filter(j -> j.path(Fields.CLOSING).asBoolean(false)).count(), "one closing heartbeat in " + t + "/" + p);
                records += (int) at.stream().filter(j -> !j.get(Fields.TYPE).asText().equals("heartbeat")
                        && !j.get(Fields.TYPE).asText().equals("agent")).count();
            }
        }
        assertEquals(sent, records, "every record is in, before the closing heartbeat");
        try (KafkaConsumer<String, String> consumer = KafkaTopics.fromStart(kafka, prefix + "audit")) {
            assertTrue(consumer.poll(Duration.ofSeconds(2)).isEmpty(), "the audit trail gets no heartbeats");
        }
    }
}
