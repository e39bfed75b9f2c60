package io.akmon.agent.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.event.Event;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.testing.KafkaTopics;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import io.akmon.schema.RecordId;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The sink against a real broker: exact delivery, outages, restarts, bounds and bad settings. */
class KafkaSinkIT {
    private static final String HOST = "it-host";
    private static final String BOOT = "0f1e2d3c-boot";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmbeddedKafka kafka;

    @TempDir
    Path tmp;
    private ByteArrayOutputStream logBytes;
    private PrintStream log;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().partitions(3));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @BeforeEach
    void captureLog() {
        logBytes = new ByteArrayOutputStream();
        log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
    }

    @AfterEach
    void brokerUp() {
        if (!kafka.isRunning()) {
            kafka.restart();
        }
        System.out.print(logText());
    }

    private String logText() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    private KafkaSinkConfig config(String prefix) {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.bootstrap = kafka.bootstrapServers();
        c.topicPrefix = prefix;
        c.spoolDir = tmp.resolve("spool").toString();
        c.healthIntervalMs = 3_600_000; // reports are triggered by the tests
        c.connectTimeoutMs = 3000;
        return c;
    }

    private KafkaSink open(KafkaSinkConfig c) {
        return KafkaSink.open(c, HOST, BOOT, log);
    }

    private static Event event(EventType type, int cpu, long seq) {
        int pid = 1000 + (int) (seq % 16);
        Event e = new Event(type, HOST, BOOT, cpu, seq, 1_700_000_000_000_000_000L + seq, pid, "comm" + pid);
        switch (type) {
            case SYSCALL -> e.put(Fields.SYSCALL, "read").put(Fields.COUNT, seq).put(Fields.ERRORS, 0)
                    .put(Fields.INTERVAL_NS, 1_000_000_000L);
            case EXEC -> e.put(Fields.PPID, 1).put(Fields.FILENAME, "/usr/bin/true").put(Fields.ARGV, List.of("true", "x" + seq));
            case NET -> e.put(Fields.EVENT, "close").put(Fields.BYTES_SENT, seq * 10).put(Fields.BYTES_RECEIVED, seq);
            default -> e.put(Fields.OPS, seq).put(Fields.BYTES, seq * 4096);
        }
        return e;
    }

    private static final EventType[] MIX = {EventType.SYSCALL, EventType.EXEC, EventType.NET, EventType.DISK};

    private static Event mixed(int cpu, long seq) {
        return event(MIX[(int) (seq % MIX.length)], cpu, seq);
    }

    /** A record read back from Kafka. */
    /** One agent record as read back: its Kafka record's place, its place in that record's frame, its own key (host/pid). */
    record Got(String topic, int partition, long offset, int inFrame, String key, String value, JsonNode json) {
        RecordId id() {
            return new RecordId(json.get(Fields.HOST).asText(), json.get(Fields.BOOT_ID).asText(),
                    json.get(Fields.CPU).asInt(), json.get(Fields.SEQ).asLong());
        }

        String type() {
            return json.get(Fields.TYPE).asText();
        }
    }

    /** Every record in the topics with this prefix, once at least {@code atLeast} have arrived and no more come. */
    private static List<Got> consume(String prefix, int atLeast) throws Exception {
        List<Got> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = KafkaTopics.fromStart(kafka, prefix)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int quiet = 0;
            while (System.nanoTime() < deadline && (got.size() < atLeast || quiet < 3)) {
                int n = 0;
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                    List<String> values = KafkaTopics.records(r);
                    for (int i = 0; i < values.size(); i++) {
                        JsonNode json = JSON.readTree(values.get(i));
                        got.add(new Got(r.topic(), r.partition(), r.offset(), i,
                                json.path(Fields.HOST).asText() + "/" + json.path(Fields.PID).asInt(), values.get(i), json));
                    }
                    n++;
                }
                quiet = n == 0 ? quiet + 1 : 0;
            }
        }
        return got;
    }

    private static List<Got> ofType(List<Got> got, EventType type) {
        return got.stream().filter(g -> g.type().equals(type.wireName())).toList();
    }

    /** Distinct records by id; a repeated id must carry the identical record. Returns the duplicates' count. */
    private static int checkDuplicatesIdentical(List<Got> got, Map<RecordId, Got> distinct) {
        int dups = 0;
        for (Got g : got) {
            Got prev = distinct.putIfAbsent(g.id(), g);
            if (prev != null) {
                dups++;
                assertEquals(prev.value(), g.value(), "a repeated record id carries the same record");
                assertEquals(prev.topic(), g.topic());
                assertEquals(prev.key(), g.key());
            }
        }
        return dups;
    }

    private static long lostReported(List<Got> got, String source, EventType recordType) {
        long sum = 0;
        for (Got g : ofType(got, EventType.LOST)) {
            if (g.json().get(Fields.SOURCE).asText().equals(source)
                    && g.json().get(KafkaSink.RECORD_TYPE).asText().equals(recordType.wireName())) {
                assertEquals(KafkaSink.PUBLISHER_STREAM, g.json().get(Fields.CPU).asInt());
                sum += g.json().get(Fields.LOST).asLong();
            }
        }
        return sum;
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void withFrameBytesZeroEachRecordIsAKafkaRecordKeyedByItsProcess() throws Exception {
        String prefix = "alone.";
        KafkaSinkConfig c = config(prefix);
        c.frameBytes = 0;
        try (KafkaSink sink = open(c)) {
            for (int seq = 1; seq <= 300; seq++) {
                sink.accept(mixed(seq % 4, seq));
            }
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)), sink.stats().toString());
        }
        int kafkaRecords = 0;
        try (KafkaConsumer<String, String> consumer = KafkaTopics.fromStart(kafka, prefix)) {
            int quiet = 0;
            while (quiet < 3) {
                int n = 0;
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                    n++;
                    List<String> values = KafkaTopics.records(r);
                    assertEquals(1, values.size(), "one record per Kafka record");
                    JsonNode json = JSON.readTree(values.get(0));
                    if (!json.path(Fields.TYPE).asText().equals("agent")) {
                        kafkaRecords++;
                        assertEquals(json.path(Fields.HOST).asText() + "/" + json.path(Fields.PID).asInt(), r.key());
                    }
                }
                quiet = n == 0 ? quiet + 1 : 0;
            }
        }
        assertEquals(300, kafkaRecords);
    }

    @Test
    void knownCountsArriveExactlyOnceKeyedAndInOrderPerProcess() throws Exception {
        String prefix = "exact.";
        int perCpu = 1500;
        Set<RecordId> sent = new HashSet<>();
        try (KafkaSink sink = open(config(prefix))) {
            for (int seq = 1; seq <= perCpu; seq++) {
                for (int cpu = 0; cpu < 4; cpu++) {
                    Event e = mixed(cpu, seq);
                    sink.accept(e);
                    sent.add(e.id());
                }
            }
            if (!sink.awaitDelivered(Duration.ofSeconds(120))) {
                try (Admin admin = kafka.admin()) {
                    for (TopicDescription td : admin.describeTopics(admin.listTopics().names().get().stream()
                            .filter(t -> t.startsWith(prefix)).toList()).allTopicNames().get().values()) {
                        System.out.println("DIAG " + td);
                    }
                }
                throw new AssertionError("not delivered: " + sink.stats() + "; " + sink.pendingHead());
            }
            KafkaSink.Stats s = sink.stats();
            assertEquals(6000, s.accepted());
            assertEquals(6000, s.produced());
            assertEquals(0, s.spoolRecords());
            assertEquals(0, s.spoolFullDropped() + s.spoolIoDropped() + s.shedDropped() + s.rejected());
            sink.report();
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(30)));
        }

        List<Got> got = consume(prefix, 6001);
        List<Got> data = got.stream().filter(g -> !g.type().equals("agent")).toList();
        assertEquals(6000, data.size(), "records in kafka");
        Map<RecordId, Got> distinct = new HashMap<>();
        assertEquals(0, checkDuplicatesIdentical(data, distinct));
        assertEquals(sent, distinct.keySet());
        for (EventType t : MIX) {
            assertEquals(1500, ofType(data, t).size(), t + " records");
        }

        assertTrue(data.stream().anyMatch(g -> g.inFrame() > 0), "records travelled several to a Kafka record");
        Map<String, Integer> partitionOfKey = new HashMap<>();
        Map<String, List<Got>> byKey = new HashMap<>();
        for (Got g : data) {
            assertEquals(1, g.json().get(Fields.SCHEMA).asInt(), "schema_version on every record");
            assertEquals(prefix + g.type(), g.topic(), "topic per family");
            assertEquals(HOST + "/" + g.json().get(Fields.PID).asInt(), g.key(), "key host/pid");
            assertEquals(KafkaSink.partitionOf(g.key().getBytes(java.nio.charset.StandardCharsets.UTF_8), config(prefix).partitions),
                    g.partition(),
                    "in the partition its own key picks, framed or not");
            Integer prev = partitionOfKey.putIfAbsent(g.topic() + "|" + g.key(), g.partition());
            assertTrue(prev == null || prev == g.partition(), "one partition per key and topic");
            byKey.computeIfAbsent(g.topic() + "|" + g.key() + "|" + g.json().get(Fields.CPU).asInt(), k -> new ArrayList<>()).add(g);
        }
        for (List<Got> l : byKey.values()) {
            l.sort(Comparator.comparingLong(Got::offset).thenComparingInt(Got::inFrame));
            for (int i = 1; i < l.size(); i++) {
                assertTrue(l.get(i - 1).json().get(Fields.SEQ).asLong() < l.get(i).json().get(Fields.SEQ).asLong(),
                        "records of one process keep their order");
            }
        }

        List<Got> health = new ArrayList<>(ofType(got, EventType.AGENT));
        health.sort(Comparator.comparingLong(g -> g.json().get(Fields.SEQ).asLong()));
        assertEquals(2, health.size(), "the one asked for and the last one written at close");
        assertEquals(2, health.get(1).json().get(Fields.SEQ).asLong());
        JsonNode h = health.get(0).json();
        assertEquals(prefix + "agent", health.get(0).topic());
        assertEquals(KafkaSink.PUBLISHER_STREAM, h.get(Fields.CPU).asInt());
        assertEquals(1, h.get(Fields.SEQ).asLong());
        assertEquals(1, h.get(Fields.SCHEMA).asInt());
        assertEquals(6000, h.get(KafkaSink.RECORDS_ACCEPTED).asLong());
        assertEquals(6000, h.get(KafkaSink.RECORDS_PRODUCED).asLong());
        assertTrue(h.get(KafkaSink.BYTES_PRODUCED).asLong() > 6000 * 100);
        assertEquals(0, h.get(KafkaSink.SPOOL_RECORDS).asLong());
        assertEquals(0, h.get(KafkaSink.SPOOL_FULL_DROPPED).asLong());
        assertEquals(0, h.get(KafkaSink.PRODUCER_ERRORS).asLong());
        assertTrue(h.get(KafkaSink.KAFKA_CONNECTED).asBoolean());
    }

    @Test
    void brokerOutageSpoolsWithoutBlockingAndReplaysWithoutGaps() throws Exception {
        String prefix = "outage.";
        KafkaSinkConfig c = config(prefix);
        c.deliveryTimeoutMs = 2000; // shorter than the outage: the sink must take batches back and resend them
        int before = 2000;
        int during = 4000;
        try (KafkaSink sink = open(c)) {
            for (int seq = 1; seq <= before; seq++) {
                sink.accept(mixed(0, seq));
            }
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)));
            long errorsBefore = sink.stats().producerErrors();

            kafka.stop();
            long t0 = System.nanoTime();
            for (int seq = before + 1; seq <= before + during; seq++) {
                sink.accept(mixed(0, seq));
            }
            long acceptMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(acceptMs < 3000, "accepting " + during + " records took " + acceptMs + " ms with kafka down");
            sink.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((sink.stats().connected() || sink.stats().producerErrors() == errorsBefore) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(1000);
            KafkaSink.Stats down = sink.stats();
            assertEquals(during, down.spoolRecords(), "everything accepted during the outage waits in the spool");
            assertTrue(down.producerErrors() > errorsBefore, "sends failed during the outage: " + down);
            assertFalse(down.connected());

            kafka.restart();
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(120)), "spool drained: " + sink.stats());
            assertEquals(0, sink.stats().spoolRecords());
        }
        assertTrue(logText().contains("cannot deliver to kafka at " + kafka.bootstrapServers()), logText());
        assertTrue(logText().contains("again"), logText());

        List<Got> got = consume(prefix, before + during);
        Map<RecordId, Got> distinct = new HashMap<>();
        int dups = checkDuplicatesIdentical(ofType(got, EventType.SYSCALL), distinct);
        for (EventType t : new EventType[] {EventType.EXEC, EventType.NET, EventType.DISK}) {
            dups += checkDuplicatesIdentical(ofType(got, t), distinct);
        }
        Set<Long> seqs = new TreeSet<>();
        distinct.keySet().forEach(id -> seqs.add(id.seq()));
        assertEquals(before + during, seqs.size(), "no gap in the sequence");
        assertEquals(1L, ((TreeSet<Long>) seqs).first());
        assertEquals((long) before + during, ((TreeSet<Long>) seqs).last());
        System.out.println("outage: " + dups + " duplicates, all identical");
    }

    @Test
    void sinkRestartResumesFromTheSpoolWithoutSilentGaps() throws Exception {
        String prefix = "restart.";
        KafkaSinkConfig c = config(prefix);
        c.closeTimeoutMs = 0; // leave whatever is not yet acknowledged in the spool
        long left;
        try (KafkaSink first = open(c)) {
            for (int seq = 1; seq <= 3000; seq++) {
                first.accept(mixed(1, seq));
            }
            first.close();
            left = first.stats().spoolRecords();
        }
        // and a restart while the broker is down: everything from this one is spooled, then replayed
        kafka.stop();
        KafkaSinkConfig down = config(prefix);
        down.connectTimeoutMs = 1000;
        down.closeTimeoutMs = 500;
        try (KafkaSink second = open(down)) {
            for (int seq = 3001; seq <= 4000; seq++) {
                second.accept(mixed(1, seq));
            }
            second.close();
            assertTrue(second.stats().spoolRecords() >= 1000 + 1, "all of these stay spooled: " + second.stats());
        }
        assertTrue(logText().contains("not reachable"), logText());
        kafka.restart();
        try (KafkaSink third = open(config(prefix))) {
            for (int seq = 4001; seq <= 5000; seq++) {
                third.accept(mixed(1, seq));
            }
            assertTrue(third.awaitDelivered(Duration.ofSeconds(60)), "delivered: " + third.stats());
            assertTrue(third.stats().produced() >= 2000 + left, third.stats() + " after " + left + " left by the first");
        }

        List<Got> got = consume(prefix, 5000 + 3);
        Map<RecordId, Got> distinct = new HashMap<>();
        int dups = checkDuplicatesIdentical(got, distinct);
        Set<Long> seqs = new TreeSet<>();
        Set<Long> own = new TreeSet<>();
        for (RecordId id : distinct.keySet()) {
            (id.cpu() == KafkaSink.PUBLISHER_STREAM ? own : seqs).add(id.seq());
        }
        assertEquals(5000, seqs.size(), "every record of the three sinks is there");
        assertEquals(1L, ((TreeSet<Long>) seqs).first());
        assertEquals(5000L, ((TreeSet<Long>) seqs).last());
        assertEquals(Set.of(1L, 2L, 3L), own, "the sinks' own health records continue one numbering across restarts");
        System.out.println("restart: " + left + " left spooled by the first sink, " + dups + " duplicates, all identical");
    }

    @Test
    void gracefulRestartDeliversEverythingOnce() throws Exception {
        String prefix = "graceful.";
        try (KafkaSink first = open(config(prefix))) {
            for (int seq = 1; seq <= 2000; seq++) {
                first.accept(mixed(2, seq));
            }
            first.close();
            assertEquals(0, first.stats().spoolRecords(), "close publishes the spool while kafka is up");
        }
        try (KafkaSink second = open(config(prefix))) {
            for (int seq = 2001; seq <= 4000; seq++) {
                second.accept(mixed(2, seq));
            }
        }
        List<Got> got = consume(prefix, 4002);
        Map<RecordId, Got> distinct = new HashMap<>();
        assertEquals(0, checkDuplicatesIdentical(got, distinct));
        assertEquals(4002, got.size(), "4000 records and one health record per sink");
        assertEquals(2, ofType(got, EventType.AGENT).size());
    }

    @Test
    void pastTheSpoolBoundDropsAreCountedExactly() throws Exception {
        String prefix = "bound.";
        kafka.stop();
        KafkaSinkConfig c = config(prefix);
        c.spoolMaxBytes = 256 * 1024;
        c.shedOrder = List.of();
        c.connectTimeoutMs = 1000;
        int total = 5000;
        long dropped;
        try (KafkaSink sink = open(c)) {
            for (int seq = 1; seq <= total; seq++) {
                sink.accept(event(EventType.SYSCALL, 3, seq));
            }
            KafkaSink.Stats s = sink.stats();
            dropped = s.spoolFullDropped();
            assertTrue(dropped > 0 && dropped < total, s.toString());
            assertEquals(total - dropped, s.accepted());
            assertEquals(dropped, sink.dropped(EventType.SYSCALL, KafkaSink.SOURCE_SPOOL_FULL));
            assertEquals(0, s.shedDropped());
            sink.report(); // loss and health records fit in the reserve above the bound
            kafka.restart();
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)), "delivered: " + sink.stats());
        }
        List<Got> got = consume(prefix, (int) (total - dropped));
        Map<RecordId, Got> distinct = new HashMap<>();
        checkDuplicatesIdentical(ofType(got, EventType.SYSCALL), distinct);
        long missing = total - distinct.size();
        assertEquals(dropped, missing, "records missing from kafka");
        assertEquals(dropped, lostReported(got, KafkaSink.SOURCE_SPOOL_FULL, EventType.SYSCALL), "loss reported");
        JsonNode health = ofType(got, EventType.AGENT).stream().map(Got::json)
                .min(Comparator.comparingLong(j -> j.get(Fields.SEQ).asLong())).orElseThrow();
        assertEquals(dropped, health.get(KafkaSink.SPOOL_FULL_DROPPED).asLong());
        assertEquals(total - dropped, health.get(KafkaSink.RECORDS_ACCEPTED).asLong());
        assertFalse(health.get(KafkaSink.KAFKA_CONNECTED).asBoolean());
    }

    @Test
    void underOverloadTheLeastImportantFamiliesAreShedFirstAndCounted() throws Exception {
        String prefix = "shed.";
        kafka.stop();
        KafkaSinkConfig c = config(prefix);
        c.spoolMaxBytes = 256 * 1024;
        c.shedOrder = List.of("syscall", "net");
        c.shedStart = 0.5;
        c.connectTimeoutMs = 1000;
        EventType[] kinds = {EventType.SYSCALL, EventType.NET, EventType.EXEC};
        int perKind = 2000;
        Map<EventType, Long> firstShed = new HashMap<>();
        Map<EventType, Long> shed = new HashMap<>();
        Map<EventType, Long> full = new HashMap<>();
        try (KafkaSink sink = open(c)) {
            for (long seq = 1; seq <= perKind * kinds.length; seq++) {
                EventType t = kinds[(int) (seq % kinds.length)];
                sink.accept(event(t, 4, seq));
                if (!firstShed.containsKey(t) && sink.dropped(t, KafkaSink.SOURCE_SHED) > 0) {
                    firstShed.put(t, seq);
                }
            }
            for (EventType t : kinds) {
                shed.put(t, sink.dropped(t, KafkaSink.SOURCE_SHED));
                full.put(t, sink.dropped(t, KafkaSink.SOURCE_SPOOL_FULL));
            }
            sink.report();
            kafka.restart();
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)), "delivered: " + sink.stats());
        }
        assertTrue(shed.get(EventType.SYSCALL) > 0 && shed.get(EventType.NET) > 0, shed.toString());
        assertEquals(0L, shed.get(EventType.EXEC), "exec is not in the shed order");
        assertTrue(firstShed.get(EventType.SYSCALL) < firstShed.get(EventType.NET), "syscall shed before net: " + firstShed);
        assertTrue(shed.get(EventType.SYSCALL) > shed.get(EventType.NET), shed.toString());

        List<Got> got = consume(prefix, 1);
        for (EventType t : kinds) {
            Map<RecordId, Got> distinct = new HashMap<>();
            checkDuplicatesIdentical(ofType(got, t), distinct);
            long missing = perKind - distinct.size();
            assertEquals(shed.get(t) + full.get(t), missing, t + " records missing");
            assertEquals(shed.get(t), lostReported(got, KafkaSink.SOURCE_SHED, t), t + " shed reported");
            assertEquals(full.get(t), lostReported(got, KafkaSink.SOURCE_SPOOL_FULL, t), t + " spool_full reported");
        }
    }

    @Test
    void topicsAreCreatedWithTheConfiguredLayout() throws Exception {
        String prefix = "layout.";
        KafkaSinkConfig c = config(prefix);
        c.partitions = 2;
        c.topics.put("syscall", "layout-sys");
        try (KafkaSink sink = open(c)) {
            sink.accept(event(EventType.SYSCALL, 0, 1));
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(30)));
        }
        try (Admin admin = kafka.admin()) {
            Set<String> expected = new TreeSet<>();
            for (EventType t : EventType.values()) {
                if (t == EventType.HEARTBEAT) {
                    continue; // no topic of its own: heartbeats go to every event topic (KafkaHeartbeatIT)
                }
                expected.add(t == EventType.SYSCALL ? "layout-sys" : prefix + t.wireName());
            }
            Map<String, TopicDescription> d = admin.describeTopics(expected).allTopicNames().get(30, TimeUnit.SECONDS);
            assertEquals(expected, d.keySet());
            for (TopicDescription td : d.values()) {
                assertEquals(2, td.partitions().size(), td.name());
            }
        }
        assertEquals(1, consume("layout-sys", 1).size());
    }

    @Test
    void badSettingsAreRefusedWithTheFix() throws Exception {
        KafkaSinkConfig unresolvable = config("dns.");
        unresolvable.bootstrap = "no-such-host.invalid:9092";
        ProbeException dns = assertThrows(ProbeException.class, () -> open(unresolvable));
        assertTrue(dns.getMessage().contains("'no-such-host.invalid:9092' cannot be resolved"), dns.getMessage());
        assertTrue(dns.fix().contains("--bootstrap"), dns.fix());


        KafkaSinkConfig c = config("rf.");
        c.replicationFactor = 3;
        ProbeException e = assertThrows(ProbeException.class, () -> open(c));
        assertTrue(e.getMessage().contains("replication factor 3") && e.getMessage().contains("1 broker(s)"), e.getMessage());
        assertTrue(e.fix().contains("--replication-factor") && e.fix().contains("at most 1"), e.fix());

        KafkaSinkConfig off = config("absent.");
        off.createTopics = false;
        e = assertThrows(ProbeException.class, () -> open(off));
        assertTrue(e.getMessage().contains("absent.exec") && e.getMessage().contains("do not exist"), e.getMessage());
        assertTrue(e.fix().contains("create_topics"), e.fix());

        // the refused sinks released the spool directory
        try (KafkaSink sink = open(config("ok."))) {
            ProbeException locked = assertThrows(ProbeException.class, () -> open(config("ok.")));
            assertTrue(locked.getMessage().contains("in use"), locked.getMessage());
            assertTrue(locked.fix().contains("--spool-dir"), locked.fix());
        }
    }

    @Test
    void fullDiskUnderTheSpoolIsReportedAndNothingAcceptedIsLost() throws Exception {
        Path mnt = tmp.resolve("small-disk");
        Files.createDirectories(mnt);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()) == 0, "needs root to mount a small tmpfs");
        try {
            String prefix = "fulldisk.";
            kafka.stop();
            KafkaSinkConfig c = config(prefix);
            c.spoolDir = mnt.resolve("spool").toString();
            c.spoolMaxBytes = 64L << 20;
            c.shedOrder = List.of();
            c.connectTimeoutMs = 1000;
            int total = 10_000;
            long ioDropped;
            long accepted;
            try (KafkaSink sink = open(c)) {
                assertTrue(logText().contains("KiB free under"), logText());
                for (int seq = 1; seq <= total; seq++) {
                    sink.accept(event(EventType.SYSCALL, 5, seq));
                }
                KafkaSink.Stats s = sink.stats();
                ioDropped = s.spoolIoDropped();
                accepted = s.accepted();
                assertTrue(ioDropped > 0, s.toString());
                assertEquals(total - ioDropped, accepted);
                assertTrue(logText().contains("No space left on device") && logText().contains("free disk space under"), logText());
                kafka.restart();
                assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)), "delivered: " + sink.stats());
                sink.report(); // the disk has room again: loss report and health
                assertTrue(sink.awaitDelivered(Duration.ofSeconds(30)), "delivered: " + sink.stats());
            }
            List<Got> got = consume(prefix, (int) accepted);
            Map<RecordId, Got> distinct = new HashMap<>();
            checkDuplicatesIdentical(ofType(got, EventType.SYSCALL), distinct);
            assertEquals(accepted, distinct.size(), "every accepted record reached kafka");
            assertEquals(ioDropped, lostReported(got, KafkaSink.SOURCE_SPOOL_IO, EventType.SYSCALL));
        } finally {
            run("umount", mnt.toString());
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
