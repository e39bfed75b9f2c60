package io.akmon.schema.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaSecurityOptionsTest {
    @Command(name = "any")
    static final class Cmd {
        @Mixin
        KafkaSecurityOptions security;
    }

    private static KafkaSecurityOptions parse(String... args) {
        Cmd c = new Cmd();
        new CommandLine(c).parseArgs(args);
        return c.security;
    }

    @Test
    void nothingGivenIsPlaintextWithNoProperties() {
        assertEquals(Map.of(), parse().clientProperties(k -> null));
    }

    @Test
    void aUserAndACaMeanScramOverTlsWithTheJaasLineEscaped(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Path pw = Files.writeString(dir.resolve("pw"), "pa\"ss\\word\n");
        Map<String, String> p = parse("--kafka-ca", ca.toString(), "--kafka-user", "akmon", "--kafka-password-file", pw.toString())
                .clientProperties(k -> null);
        assertEquals("SASL_SSL", p.get("security.protocol"));
        assertEquals("PEM", p.get("ssl.truststore.type"));
        assertEquals(ca.toString(), p.get("ssl.truststore.location"));
        assertEquals("SCRAM-SHA-512", p.get("sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"akmon\" password=\"pa\\\"ss\\\\word\";",
                p.get("sasl.jaas.config"));
    }

    @Test
    void thePasswordMayComeFromTheEnvironmentAndPlainIsTaken() {
        Map<String, String> p = parse("--kafka-user", "u", "--kafka-sasl-mechanism", "plain")
                .clientProperties(k -> k.equals(KafkaSecurityOptions.ENV_SASL_PASSWORD) ? "from-env" : null);
        assertEquals("SASL_PLAINTEXT", p.get("security.protocol"));
        assertEquals("PLAIN", p.get("sasl.mechanism"));
        assertTrue(p.get("sasl.jaas.config").startsWith("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"from-env\""));
    }

    @Test
    void badCombinationsAreOneLineWithTheFix(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        assertEquals("--kafka-security-protocol TLS is not a Kafka security protocol; fix: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
                assertThrows(IllegalArgumentException.class, () -> parse("--kafka-security-protocol", "TLS").clientProperties(k -> null)).getMessage());
        assertEquals("--kafka-ca/--kafka-keystore need TLS, but --kafka-security-protocol is SASL_PLAINTEXT; fix: use SSL or SASL_SSL",
                assertThrows(IllegalArgumentException.class, () -> parse("--kafka-security-protocol", "SASL_PLAINTEXT",
                        "--kafka-ca", ca.toString(), "--kafka-user", "u").clientProperties(k -> "pw")).getMessage());
        assertEquals("--kafka-ca " + dir.resolve("missing.pem") + " is not a readable file; fix: check the path and its permissions",
                assertThrows(IllegalArgumentException.class, () -> parse("--kafka-ca", dir.resolve("missing.pem").toString())
                        .clientProperties(k -> null)).getMessage());
        assertEquals("--kafka-sasl-mechanism GSSAPI is not supported; fix: use SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN",
                assertThrows(IllegalArgumentException.class, () -> parse("--kafka-user", "u", "--kafka-sasl-mechanism", "GSSAPI")
                        .clientProperties(k -> "pw")).getMessage());
        assertEquals("the password of truststore " + dir.resolve("ca.p12")
                        + " is missing; fix: give --kafka-ca-password-file FILE or set $AKMON_KAFKA_TRUSTSTORE_PASSWORD",
                assertThrows(IllegalArgumentException.class, () -> parse("--kafka-ca",
                        Files.write(dir.resolve("ca.p12"), new byte[] {0x30, 0x01}).toString()).clientProperties(k -> null)).getMessage());
    }
}
