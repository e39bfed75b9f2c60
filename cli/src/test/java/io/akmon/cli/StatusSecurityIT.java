package io.akmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.embedded.SecureKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code akmon status} with the named Kafka security options against a real broker that demands SCRAM
 * over TLS and enforces ACLs ({@link SecureKafka}): the right credentials read the agents' health; a
 * wrong password is one line and exit 2, not an empty answer.
 */
class StatusSecurityIT {
    @TempDir
    static Path pki;
    static SecureKafka secure;

    @BeforeAll
    static void startSecuredBrokerWithAnAgentRecord() throws Exception {
        secure = SecureKafka.start(pki);
        secure.kafka.createTopics(1, "akmon.agent", "akmon.aggregates");
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, secure.kafka.bootstrapServers()); // the operator's listener
        long now = System.currentTimeMillis();
        String health = "{\"type\":\"agent\",\"schema_version\":1,\"host\":\"sec-host\",\"boot_id\":\"b\",\"cpu\":-1,\"seq\":1,"
                + "\"ts\":" + now * 1_000_000L + ",\"pid\":1,\"comm\":\"akmon-agent\",\"records_accepted\":10,\"kernel_lost\":0}";
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>("akmon.agent", null, now, null, health.getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    @AfterAll
    static void stop() {
        if (secure != null) {
            secure.close();
        }
    }

    /** {@code akmon status} as a script runs it: the built jar in a JVM of its own. */
    private static AkmonTest.Run status(Path passwordFile) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "akmon.jar").toAbsolutePath().toString(),
                "status", "--bootstrap", secure.secureAddress(), "--kafka-ca", secure.ca.caPem().toString(),
                "--kafka-user", "akmon", "--kafka-password-file", passwordFile.toString()).start();
        java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "status finished");
        return new AkmonTest.Run(p.exitValue(), out, new String(err.get(), StandardCharsets.UTF_8));
    }

    @Test
    void scramOverTlsWithTheRightPasswordSeesTheAgent() throws Exception {
        // status reads until it has the last minute (at most 30 s); a first TLS and SCRAM handshake and group join on a
        // busy machine take seconds
        AkmonTest.Run r = null;
        JsonNode health = null;
        for (int attempt = 0; attempt < 3 && (health == null || health.path("agents").asInt() != 1); attempt++) {
            r = status(secure.akmonPassword);
            health = new ObjectMapper().readTree(r.out());
        }
        assertEquals(1, health.path("agents").asInt(), r.out() + r.err());
        assertEquals(0, r.exit(), r.out() + r.err());
    }

    @Test
    void aWrongPasswordIsOneLineAndExit2() throws Exception {
        AkmonTest.Run r = status(secure.wrongPassword);
        assertEquals(2, r.exit(), r.out() + r.err());
        // the jar's log goes to stderr too (SLF4J's notes, Kafka's warnings): the command's own line is the last
        java.util.List<String> lines = r.err().strip().lines().toList();
        String line = lines.get(lines.size() - 1);
        assertEquals(1, lines.stream().filter(l -> l.startsWith("akmon status:")).count(), r.err());
        assertTrue(line.startsWith("akmon status: kafka at " + secure.secureAddress() + " refused the status check: ")
                && line.contains("SCRAM-SHA-512") && line.contains("; fix: check --kafka-user"), line);
        assertFalse(line.contains("wrong-password"), line);
    }
}
