package io.akmon.agent.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.Agent;
import io.akmon.agent.AgentSettings;
import io.akmon.agent.testing.KafkaTopics;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.embedded.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real kernel, real agent, real broker: workloads with known counts end up in Kafka exactly, also when
 * the broker goes away mid-stream and comes back, and across an agent restart, with no gap and no
 * duplicate in any sequence.
 */
class KafkaKernelIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().partitions(3));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private KafkaSink sink(String prefix) {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.bootstrap = kafka.bootstrapServers();
        c.topicPrefix = prefix;
        c.spoolDir = tmp.resolve("spool").toString();
        c.deliveryTimeoutMs = 3000; // shorter than the outage: batches come back to the spool and are resent
        c.connectTimeoutMs = 2000;
        return KafkaSink.open(c.validate(), "kernel-it", io.akmon.agent.host.HostIdentity.kernelBootId(), System.err);
    }

    private static AgentSettings settings(int... pids) {
        AgentSettings s = TracedRun.settingsFor(pids[0]);
        s.pids = new ArrayList<>();
        for (int pid : pids) {
            s.pids.add(pid);
        }
        return s;
    }

    @Test
    void knownCountsFromTheKernelArriveInKafkaExactly() throws Exception {
        long calls = 300_000;
        int children = 25;
        try (Workload caller = Workload.start("getppid", Long.toString(calls));
             Workload spawner = Workload.start("spawn", Integer.toString(children), "7");
             KafkaSink sink = sink("exact.")) {
            Agent agent = Agent.start(settings(caller.pid(), spawner.pid()), sink, System.err);
            try {
                caller.go();
                spawner.go();
                caller.finish();
                spawner.finish();
                agent.sync();
                agent.sync();
            } finally {
                agent.close();
            }
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)), "delivered: " + sink.stats());
            List<JsonNode> records = consume("exact.");
            assertCounts(records, caller.pid(), calls, spawner.pid(), children, 7);
            assertNoGapOrDuplicate(records);
        }
    }

    @Test
    void aBrokerOutageMidStreamLosesNothing() throws Exception {
        long calls = 200_000;
        int children = 30;
        try (Workload before = Workload.start("spawn", "10", "0");
             Workload caller = Workload.start("getppid", Long.toString(calls));
             Workload spawner = Workload.start("spawn", Integer.toString(children), "9");
             KafkaSink sink = sink("outage.")) {
            Agent agent = Agent.start(settings(before.pid(), caller.pid(), spawner.pid()), sink, System.err);
            try {
                before.go();
                before.finish();
                agent.sync();
                assertTrue(sink.awaitDelivered(Duration.ofSeconds(30)), "live before the outage: " + sink.stats());

                kafka.stop();
                caller.go(); // the kernel side keeps collecting while the broker is away
                spawner.go();
                caller.finish();
                spawner.finish();
                agent.sync();
                agent.sync();
                Thread.sleep(4000); // past the delivery timeout: batches in flight come back to the spool
                assertTrue(sink.stats().spoolRecords() > 0, "records wait in the spool: " + sink.stats());
                kafka.restart();
            } finally {
                agent.close();
            }
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(90)), "spool drained after the outage: " + sink.stats());
            KafkaSink.Stats s = sink.stats();
            assertEquals(0, s.spoolFullDropped() + s.spoolIoDropped() + s.shedDropped() + s.rejected(), s.toString());
            List<JsonNode> records = consume("outage.");
            assertCounts(records, caller.pid(), calls, spawner.pid(), children, 9);
            assertEquals(10, records.stream().filter(r -> r.path("type").asText().equals("exit")
                    && r.path("ppid").asInt() == before.pid()).count(), "exits before the outage");
            assertNoGapOrDuplicate(records);
        }
    }

    @Test
    void anAgentRestartMidStreamLeavesNoGap() throws Exception {
        Path pins = Path.of("/sys/fs/bpf", "akmon-it-" + ProcessHandle.current().pid());
        try (Workload first = Workload.start("spawn", "15", "3");
             Workload second = Workload.start("spawn", "15", "4")) {
            AgentSettings s = settings(first.pid(), second.pid());
            s.pinDir = pins.toString(); // sequence numbers continue across the restart
            try (KafkaSink sink = sink("restart.")) {
                Agent agent = Agent.start(s, sink, System.err);
                try {
                    first.go();
                    first.finish();
                    agent.sync();
                    agent.sync();
                } finally {
                    agent.close();
                }
            } // a graceful stop: what is not yet in Kafka stays in the spool for the next start
            try (KafkaSink sink = sink("restart.")) {
                Agent agent = Agent.start(s, sink, System.err);
                try {
                    second.go();
                    second.finish();
                    agent.sync();
                    agent.sync();
                } finally {
                    agent.close();
                }
                assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)), "delivered: " + sink.stats());
            }
            List<JsonNode> records = consume("restart.");
            assertEquals(15, records.stream().filter(r -> r.path("type").asText().equals("exit")
                    && r.path("ppid").asInt() == first.pid() && r.path("exit_code").asInt() == 3).count(), "exits before the restart");
            assertEquals(15, records.stream().filter(r -> r.path("type").asText().equals("exit")
                    && r.path("ppid").asInt() == second.pid() && r.path("exit_code").asInt() == 4).count(), "exits after the restart");
            assertNoGapOrDuplicate(records);
        } finally {
            deleteRecursively(pins);
        }
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (java.nio.file.Files.exists(dir)) {
            try (var paths = java.nio.file.Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(p);
                }
            }
        }
    }

    private static void assertCounts(List<JsonNode> records, int caller, long calls, int spawner, int children, int code) {
        long getppid = 0;
        long execs = 0;
        long exits = 0;
        for (JsonNode r : records) {
            switch (r.path("type").asText()) {
                case "syscall" -> {
                    if (r.path("pid").asInt() == caller && r.path("syscall").asText().equals("getppid")) {
                        getppid += r.path("count").asLong();
                    }
                }
                case "exec" -> execs += r.path("ppid").asInt() == spawner ? 1 : 0;
                case "exit" -> exits += r.path("ppid").asInt() == spawner && r.path("exit_code").asInt() == code ? 1 : 0;
                default -> { }
            }
        }
        assertEquals(calls, getppid, "getppid calls in Kafka");
        assertEquals(children, execs, "exec records of the children in Kafka");
        assertEquals(children, exits, "exit records with code " + code + " in Kafka");
    }

    /** Every (host, boot id, cpu) stream is numbered 1, 2, 3, ... once each: nothing missing, nothing twice. */
    private static void assertNoGapOrDuplicate(List<JsonNode> records) {
        Map<String, List<Long>> streams = new TreeMap<>();
        for (JsonNode r : records) {
            streams.computeIfAbsent(r.path("host").asText() + "/" + r.path("boot_id").asText() + "/" + r.path("cpu").asInt(),
                    k -> new ArrayList<>()).add(r.path("seq").asLong());
        }
        assertTrue(!streams.isEmpty());
        for (Map.Entry<String, List<Long>> e : streams.entrySet()) {
            Set<Long> distinct = new TreeSet<>(e.getValue());
            assertEquals(e.getValue().size(), distinct.size(), "duplicates in stream " + e.getKey());
            long first = ((TreeSet<Long>) distinct).first();
            long last = ((TreeSet<Long>) distinct).last();
            assertEquals(last - first + 1, distinct.size(), "gap in stream " + e.getKey() + " (" + first + ".." + last + ")");
        }
    }

    private static List<JsonNode> consume(String prefix) throws Exception {
        List<JsonNode> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = KafkaTopics.fromStart(kafka, prefix)) {
            Set<TopicPartition> parts = consumer.assignment();
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                    for (String value : KafkaTopics.records(r)) {
                        got.add(JSON.readTree(value));
                    }
                }
            }
        }
        return got;
    }
}
