package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.testing.SinkLog;
import io.akmon.agent.testing.SyscallRecords;
import io.akmon.embedded.Certificates;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.embedded.SecureKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's Kafka sink with the named security options against a real broker with a SASL_SSL listener
 * (SCRAM-SHA-512 users), a mutual-TLS listener and ACLs under KRaft's StandardAuthorizer ({@link SecureKafka}).
 */
class KafkaSecurityIT {
    private static final String HOST = "sec-host";
    private static final String BOOT = "5ec0b007-boot";

    @TempDir
    static Path pki;
    @TempDir
    Path tmp;

    static SecureKafka secure;
    static Certificates ca;
    static Certificates otherCa;
    static EmbeddedKafka kafka;
    static Path akmonPassword;
    static Path readerPassword;
    static Path wrongPassword;
    static Path storePassword;

    @RegisterExtension
    final SinkLog log = new SinkLog();

    @Command(name = "agent")
    static final class Cmd {
        @Mixin
        KafkaOptions kafka;
    }

    @BeforeAll
    static void startSecureBroker() {
        secure = SecureKafka.start(pki);
        ca = secure.ca;
        otherCa = secure.otherCa;
        kafka = secure.kafka;
        akmonPassword = secure.akmonPassword;
        readerPassword = secure.readerPassword;
        wrongPassword = secure.wrongPassword;
        storePassword = secure.storePassword;
    }

    @AfterAll
    static void stop() {
        if (secure != null) {
            secure.close();
        }
    }

    private static Path write(Path file, String text) throws Exception {
        Files.writeString(file, text + "\n");
        return file;
    }

    /** The sink configured by the agent's own flags, as `akmon agent --sink kafka ...` gets them. */
    private KafkaSinkConfig config(String spool, String... args) {
        Cmd cmd = new Cmd();
        new CommandLine(cmd).parseArgs(args);
        KafkaSinkConfig base = new KafkaSinkConfig();
        base.spoolDir = tmp.resolve(spool).toString();
        base.healthIntervalMs = 3_600_000;
        base.connectTimeoutMs = 10_000;
        base.deliveryTimeoutMs = 10_000;
        base.partitions = 1;
        return cmd.kafka.applyTo(base);
    }

    private static Event syscall(long seq) {
        return SyscallRecords.syscall(HOST, BOOT, seq);
    }

    /** The seq numbers of the syscall records in the topics, each exactly once. */
    private static Set<Long> seqs(String prefix, int atLeast) throws Exception {
        List<Long> read = SyscallRecords.seqs(kafka, prefix, atLeast);
        Set<Long> seqs = new TreeSet<>(read);
        assertEquals(read.size(), seqs.size(), "no duplicate: " + read);
        return seqs;
    }

    private static Set<Long> range(long from, long to) {
        Set<Long> s = new TreeSet<>();
        for (long i = from; i <= to; i++) {
            s.add(i);
        }
        return s;
    }

    private void deliver(KafkaSinkConfig c, int records) throws Exception {
        try (KafkaSink sink = KafkaSink.open(c, HOST, BOOT, log.stream())) {
            for (long seq = 1; seq <= records; seq++) {
                sink.accept(syscall(seq));
            }
            assertTrue(sink.awaitDelivered(Duration.ofSeconds(60)), sink.stats().toString());
        }
    }

    @Test
    void scramOverTlsWithTheRightPasswordDeliversEveryRecordOnce() throws Exception {
        KafkaSinkConfig c = config("spool-scram", "--bootstrap", kafka.listenerAddress("SECURE"), "--topic-prefix", "sec.",
                "--kafka-ca", ca.caPem().toString(), "--kafka-user", "akmon", "--kafka-password-file", akmonPassword.toString());
        assertEquals("SASL_SSL", c.properties.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", c.properties.get("sasl.mechanism"));
        deliver(c, 200);
        assertEquals(range(1, 200), seqs("sec.", 200));
    }

    @Test
    void mutualTlsWithAClientCertificateOfTheCaDeliversEveryRecordOnce() throws Exception {
        Path client = ca.keystore("akmon-agent");
        KafkaSinkConfig c = config("spool-mtls", "--bootstrap", kafka.listenerAddress("MTLS"), "--topic-prefix", "mtls.",
                "--kafka-ca", ca.caPem().toString(), "--kafka-keystore", client.toString(),
                "--kafka-keystore-password-file", storePassword.toString());
        assertEquals("SSL", c.properties.get("security.protocol"));
        deliver(c, 100);
        assertEquals(range(1, 100), seqs("mtls.", 100));
    }

    @Test
    void aWrongPasswordIsOneLineNamingScramAndWhatToCheck() {
        KafkaSinkConfig c = config("spool-wrong", "--bootstrap", kafka.listenerAddress("SECURE"), "--topic-prefix", "sec.",
                "--kafka-ca", ca.caPem().toString(), "--kafka-user", "akmon", "--kafka-password-file", wrongPassword.toString());
        ProbeException e = assertThrows(ProbeException.class, () -> KafkaSink.open(c, HOST, BOOT, log.stream()));
        assertTrue(e.getMessage().startsWith("SASL authentication with mechanism SCRAM-SHA-512 (security.protocol SASL_SSL) to kafka at "
                + kafka.listenerAddress("SECURE") + " failed"), e.getMessage());
        assertTrue(e.fix().contains("user name and password") && e.fix().contains("exists for SCRAM-SHA-512"), e.fix());
        assertFalse(e.oneLine().contains("\n"), e.oneLine());
        assertFalse(e.oneLine().contains("wrong-password"), "the password is not echoed: " + e.oneLine());
    }

    @Test
    void aClientThatDoesNotTrustTheBrokersCaIsRefusedWithWhatToCheck() {
        KafkaSinkConfig c = config("spool-untrusted", "--bootstrap", kafka.listenerAddress("SECURE"), "--topic-prefix", "sec.",
                "--kafka-ca", otherCa.caPem().toString(), "--kafka-user", "akmon", "--kafka-password-file", akmonPassword.toString());
        ProbeException e = assertThrows(ProbeException.class, () -> KafkaSink.open(c, HOST, BOOT, log.stream()));
        assertTrue(e.getMessage().startsWith("TLS handshake with kafka at " + kafka.listenerAddress("SECURE")
                + " failed (security.protocol SASL_SSL)"), e.getMessage());
        assertTrue(e.fix().contains("ssl.truststore.location"), e.fix());
        assertFalse(e.oneLine().contains("\n"), e.oneLine());
    }

    @Test
    void aClientCertificateOfAnotherCaIsRefusedByTheMutualTlsListener() {
        Path stranger = otherCa.keystore("akmon-agent");
        Path otherPassword;
        try {
            otherPassword = write(tmp.resolve("other.password"), otherCa.password());
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
        KafkaSinkConfig c = config("spool-stranger", "--bootstrap", kafka.listenerAddress("MTLS"), "--topic-prefix", "mtls.",
                "--kafka-ca", ca.caPem().toString(), "--kafka-keystore", stranger.toString(),
                "--kafka-keystore-password-file", otherPassword.toString());
        ProbeException e = assertThrows(ProbeException.class, () -> KafkaSink.open(c, HOST, BOOT, log.stream()));
        assertTrue(e.getMessage().startsWith("TLS handshake with kafka at " + kafka.listenerAddress("MTLS")
                + " failed (security.protocol SSL)"), e.getMessage());
        assertTrue(e.fix().contains("ssl.keystore"), e.fix());
    }

    @Test
    void aPrincipalWithoutWriteOnTheTopicsIsToldWhichTopicsAndWhatToGrant() throws Exception {
        // The topics exist (made by a principal allowed to), the reader may see them but not write them.
        deliver(config("spool-owner", "--bootstrap", kafka.listenerAddress("SECURE"), "--topic-prefix", "ro.",
                "--kafka-ca", ca.caPem().toString(), "--kafka-user", "akmon", "--kafka-password-file", akmonPassword.toString()), 1);
        KafkaSinkConfig c = config("spool-reader", "--bootstrap", kafka.listenerAddress("SECURE"), "--topic-prefix", "ro.",
                "--kafka-ca", ca.caPem().toString(), "--kafka-user", "reader", "--kafka-password-file", readerPassword.toString());
        ProbeException e = assertThrows(ProbeException.class, () -> KafkaSink.open(c, HOST, BOOT, log.stream()));
        assertTrue(e.getMessage().startsWith("not allowed to write kafka topics [ro.") && e.getMessage().contains("ro.syscall"),
                e.getMessage());
        assertTrue(e.fix().contains("WRITE") && e.fix().contains("--topic ro."), e.fix());
        assertFalse(e.oneLine().contains("\n"), e.oneLine());
    }

    /** The agent command itself: a wrong password and a principal without write each end it with one line and exit 2. */
    @Test
    void theAgentCommandExitsTwoWithOneLineForAWrongPasswordAndForAMissingWriteAcl() throws Exception {
        String[][] cases = {
            {"akmon", wrongPassword.toString(), "SASL authentication with mechanism SCRAM-SHA-512"},
            {"reader", readerPassword.toString(), "not allowed to write kafka topics"},
        };
        // The topics exist (made by a principal allowed to, as in the test above); the reader may not write them.
        deliver(config("spool-cmd-owner", "--bootstrap", kafka.listenerAddress("SECURE"), "--topic-prefix", "ro.",
                "--kafka-ca", ca.caPem().toString(), "--kafka-user", "akmon", "--kafka-password-file", akmonPassword.toString()), 1);
        for (String[] c : cases) {
            List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", Path.of("target", "akmon-agent.jar").toAbsolutePath().toString(), "--sink", "kafka",
                    "--bootstrap", kafka.listenerAddress("SECURE"), "--topic-prefix", "ro.", "--kafka-ca", ca.caPem().toString(),
                    "--kafka-user", c[0], "--kafka-password-file", c[1], "--spool-dir", tmp.resolve("spool-cmd-" + c[0]).toString(),
                    "--pin-dir", "", "--duration", "5s"));
            Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS), "the agent did not stop");
            assertEquals(2, p.exitValue(), c[0] + ": " + err);
            assertEquals(0, out.length, "nothing on stdout");
            List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(1, lines.size(), c[0] + ": one line: " + err);
            assertTrue(lines.get(0).contains(c[2]), lines.get(0));
            assertFalse(err.contains(Files.readString(Path.of(c[1])).trim()), "the password is not echoed");
        }
    }

    @Test
    void aMissingPasswordIsOneLineNamingTheFileOrTheVariable() {
        ProbeException e = assertThrows(ProbeException.class, () -> config("spool-nopass", "--bootstrap",
                kafka.listenerAddress("SECURE"), "--kafka-ca", ca.caPem().toString(), "--kafka-user", "akmon"));
        assertEquals("the SASL password of user akmon is missing; fix: give --kafka-password-file FILE or set $AKMON_KAFKA_PASSWORD",
                e.oneLine());
    }
}
