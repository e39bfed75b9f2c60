package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.testing.SinkLog;
import io.akmon.agent.testing.SyscallRecords;
import io.akmon.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sink against real brokers: a topic deleted under it, and credentials the broker refuses. */
class KafkaEdgeCasesIT {
    private static final String HOST = "edge-host";
    private static final String BOOT = "edge-boot";

    @TempDir
    Path tmp;
    @RegisterExtension
    final SinkLog log = new SinkLog();

    private KafkaSinkConfig config(EmbeddedKafka kafka, String prefix) {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.bootstrap = kafka.bootstrapServers();
        c.topicPrefix = prefix;
        c.partitions = 1;
        c.spoolDir = tmp.resolve("spool").toString();
        c.healthIntervalMs = 3_600_000;
        c.connectTimeoutMs = 3000;
        c.deliveryTimeoutMs = 3000;
        return c;
    }

    private static Event syscall(long seq) {
        return SyscallRecords.syscall(HOST, BOOT, seq);
    }

    /** The seq numbers of the syscall records in a topic. */
    private static Set<Long> seqs(EmbeddedKafka kafka, String prefix, int atLeast) throws Exception {
        return new TreeSet<>(SyscallRecords.seqs(kafka, prefix, atLeast));
    }

    private static void deleteTopic(EmbeddedKafka kafka, String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (admin.listTopics().names().get().contains(topic)) {
                assertTrue(System.nanoTime() < deadline, "topic " + topic + " still listed");
                Thread.sleep(100);
            }
        }
    }

    @Test
    void aTopicDeletedWhileRunningIsCreatedAgainAndTheRecordsWaitingInTheSpoolFollow() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().autoCreateTopics(false))) {
            KafkaSinkConfig c = config(kafka, "gone.");
            try (KafkaSink sink = KafkaSink.open(c, HOST, BOOT, log.stream())) {
                for (long seq = 1; seq <= 200; seq++) {
                    sink.accept(syscall(seq));
                }
                assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)));
                deleteTopic(kafka, "gone.syscall"); // the fault: the topic and its 200 records are gone
                for (long seq = 201; seq <= 500; seq++) {
                    sink.accept(syscall(seq));
                }
                assertTrue(sink.awaitDelivered(Duration.ofSeconds(90)), "delivered after the topic came back: " + sink.stats());
            }
            assertTrue(log.text().contains("kafka topics [gone.syscall] were missing at " + kafka.bootstrapServers()
                    + " (deleted while the agent ran?) and were created again"), log.text());
            Set<Long> got = seqs(kafka, "gone.", 300);
            Set<Long> expected = new TreeSet<>();
            for (long seq = 201; seq <= 500; seq++) {
                expected.add(seq);
            }
            assertEquals(expected, got, "every record accepted after the deletion arrives in the new topic");
        }
    }

    @Test
    void aTopicDeletedWhileCreationIsOffIsReportedWithTheFixAndRecordsWaitInTheSpool() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().autoCreateTopics(false))) {
            KafkaSinkConfig c = config(kafka, "off.");
            try (KafkaSink sink = KafkaSink.open(c, HOST, BOOT, log.stream())) { // creates the topics at start
                sink.accept(syscall(1));
                assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)));
            }
            c.createTopics = false;
            try (KafkaSink sink = KafkaSink.open(c, HOST, BOOT, log.stream())) {
                deleteTopic(kafka, "off.syscall");
                for (long seq = 2; seq <= 100; seq++) {
                    sink.accept(syscall(seq));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!log.text().contains("kafka topics [off.syscall] do not exist") && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertTrue(log.text().contains("kafka topics [off.syscall] do not exist at " + kafka.bootstrapServers()
                        + " and topic creation is off"), log.text());
                assertTrue(log.text().contains("kafka-topics.sh --create --topic NAME"), log.text());
                assertEquals(99, sink.stats().spoolRecords(), "the records wait in the spool: " + sink.stats());
                assertFalse(sink.awaitDelivered(Duration.ofMillis(500)));

                try (Admin admin = kafka.admin()) {
                    admin.createTopics(List.of(new NewTopic("off.syscall", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                }
                assertTrue(sink.awaitDelivered(Duration.ofSeconds(90)), "delivered once the topic exists: " + sink.stats());
            }
            Set<Long> expected = new TreeSet<>();
            for (long seq = 2; seq <= 100; seq++) {
                expected.add(seq);
            }
            assertEquals(expected, seqs(kafka, "off.", 99));
        }
    }

    @Test
    void refusedCredentialsNameTheMechanismAndWhatToCheck() throws Exception {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "
                + "password=\"admin-secret\" user_admin=\"admin-secret\" user_akmon=\"right-password\";";
        EmbeddedKafka.Options o = EmbeddedKafka.Options.defaults()
                .brokerProperty("listener.security.protocol.map", "PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT")
                .brokerProperty("sasl.enabled.mechanisms", "PLAIN")
                .brokerProperty("sasl.mechanism.inter.broker.protocol", "PLAIN")
                .brokerProperty("listener.name.plaintext.plain.sasl.jaas.config", jaas)
                .clientProperty("security.protocol", "SASL_PLAINTEXT")
                .clientProperty("sasl.mechanism", "PLAIN")
                .clientProperty("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"admin\" password=\"admin-secret\";");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(o)) {
            KafkaSinkConfig c = config(kafka, "auth.");
            c.properties.put("security.protocol", "SASL_PLAINTEXT");
            c.properties.put("sasl.mechanism", "PLAIN");
            c.properties.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    + "username=\"akmon\" password=\"wrong-password\";");
            ProbeException e = assertThrows(ProbeException.class, () -> KafkaSink.open(c, HOST, BOOT, log.stream()));
            assertTrue(e.getMessage().startsWith("SASL authentication with mechanism PLAIN (security.protocol SASL_PLAINTEXT) to kafka at "
                    + kafka.bootstrapServers() + " failed"), e.getMessage());
            assertTrue(e.fix().contains("sasl.jaas.config") && e.fix().contains("exists for PLAIN"), e.fix());
            assertFalse(e.oneLine().contains("\n"), e.oneLine());

            c.properties.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    + "username=\"akmon\" password=\"right-password\";");
            c.spoolDir = tmp.resolve("spool-ok").toString();
            try (KafkaSink sink = KafkaSink.open(c, HOST, BOOT, log.stream())) { // the right password works: the broker is sound
                sink.accept(syscall(1));
                assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)), sink.stats().toString());
            }
        }
    }
}
