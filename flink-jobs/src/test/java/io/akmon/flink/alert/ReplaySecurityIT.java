package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.SecureKafka;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.Records;
import io.akmon.flink.testing.RulesRun;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code akmon rules replay} with the named Kafka security options against a real broker that demands
 * SCRAM over TLS and enforces ACLs ({@link SecureKafka}): the right credentials replay the history; a
 * wrong password and a CA the broker's certificate does not chain to are each one line and exit 2.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReplaySecurityIT {
    private static final String EXITS = "sec.akmon.exit";
    private static final long T0 = (System.currentTimeMillis() - 3_600_000L) / 10_000 * 10_000;

    @TempDir
    static Path pki;
    static SecureKafka secure;
    static Path rules;

    @BeforeAll
    static void startSecuredBrokerAndWriteHistory() throws Exception {
        secure = SecureKafka.start(pki);
        secure.kafka.createTopics(1, EXITS);
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, secure.kafka.bootstrapServers()); // the operator's listener
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            // worker crashes three times in 40 s (crash-loop); a clean exit two minutes later moves event time on.
            for (int i = 0; i < 3; i++) {
                long ts = T0 + i * 20_000L;
                p.send(new ProducerRecord<>(EXITS, null, ts, null, Records.json(Records.exit("h1", 0, i + 1, ts, 100 + i, "worker", 1, 0, 1000))));
            }
            long ts = T0 + 120_000L;
            p.send(new ProducerRecord<>(EXITS, null, ts, null, Records.json(Records.exit("h1", 0, 4, ts, 200, "other", 0, 0, 1000))));
            p.flush();
        }
        rules = pki.resolve("rules.yaml");
        try (var in = ReplaySecurityIT.class.getClassLoader().getResourceAsStream(AlertJob.DEFAULT_RULES)) {
            Files.write(rules, in.readAllBytes());
        }
    }

    @AfterAll
    static void stop() {
        if (secure != null) {
            secure.close();
        }
    }

    @Test
    void scramOverTlsWithTheRightPasswordReplaysTheHistory() throws Exception {
        RulesRun r = replay(secure.ca.caPem(), secure.akmonPassword);
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), r.out());
        JsonNode alert = Json.MAPPER.readTree(lines.get(0));
        assertEquals("crash-loop", alert.get("rule").asText());
        assertEquals("host=h1 comm=worker", alert.get("key").asText());
        assertEquals(T0, alert.get("first_matched").asLong());
        assertEquals(T0 + 40_000L, alert.get("last_matched").asLong());
    }

    @Test
    void aWrongPasswordIsOneLineAndExit2() throws Exception {
        RulesRun r = replay(secure.ca.caPem(), secure.wrongPassword);
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        String line = r.err().strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.startsWith("rules replay: kafka at " + secure.secureAddress() + " refused the replay: ")
                && line.contains("SCRAM-SHA-512") && line.contains("; fix: check --kafka-user, --kafka-password-file"), line);
        assertFalse(line.contains("wrong-password"), "the password is not echoed: " + line);
    }

    @Test
    void aCaTheBrokerDoesNotChainToIsRefusedInOneLine() throws Exception {
        RulesRun r = replay(secure.otherCa.caPem(), secure.akmonPassword);
        assertEquals(2, r.code(), r.err());
        String line = r.err().strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.startsWith("rules replay: kafka at " + secure.secureAddress() + " refused the replay: SSL handshake failed")
                && line.contains("--kafka-ca"), line);
    }

    private static RulesRun replay(Path ca, Path passwordFile) {
        List<String> a = new ArrayList<>(List.of("replay", rules.toString(),
                "--from", Instant.ofEpochMilli(T0 - 60_000L).toString(), "--to", Instant.ofEpochMilli(T0 + 600_000L).toString(),
                "--json", "--grace", "2m", "--bootstrap-servers", secure.secureAddress(), "--topics", EXITS,
                "--aggregates-topic", "", "--kafka-ca", ca.toString(), "--kafka-user", "akmon",
                "--kafka-password-file", passwordFile.toString()));
        return RulesRun.of(a.toArray(String[]::new));
    }
}
