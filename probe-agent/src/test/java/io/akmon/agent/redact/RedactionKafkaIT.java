package io.akmon.agent.redact;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.testing.KafkaTopics;
import io.akmon.agent.testing.UnprivilegedAgent;
import io.akmon.embedded.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.akmon.agent.redact.ArgvRedactor.MASK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands with known secrets, watched by the real agent (as nobody, least privileged, under its
 * system call filter) with the Kafka sink: none of the secrets is in Kafka or in the spool, the
 * commands are there with the secrets masked, and uids and addresses are keyed-hash tokens.
 * (Elasticsearch is downstream of Kafka; an end-to-end check there belongs to the pipeline's tests.)
 */
class RedactionKafkaIT {
    private static EmbeddedKafka kafka;
    private static Path root;

    @BeforeAll
    static void start() throws IOException {
        kafka = EmbeddedKafka.start();
        // nobody must reach its own directory: the parent only lets it pass
        root = Files.createTempDirectory(Path.of("/tmp"), "akmon-redact-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    }

    @AfterAll
    static void stop() throws IOException {
        kafka.close();
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String secret() {
        byte[] b = new byte[9];
        new SecureRandom().nextBytes(b);
        return "S3cr" + HexFormat.of().formatHex(b);
    }

    @Test
    void noSecretReachesKafkaOrTheSpool() throws Exception {
        Path home = Files.createDirectory(root.resolve("agent"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setAttribute(home, "unix:uid", UnprivilegedAgent.NOBODY);
        Path spool = home.resolve("spool");
        byte[] keyBytes = new byte[32];
        new SecureRandom().nextBytes(keyBytes);
        Path key = Files.write(home.resolve("hmac.key"), keyBytes);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.setAttribute(key, "unix:uid", UnprivilegedAgent.NOBODY);
        // programs named like the clients whose password arguments the redactor knows; all of them /bin/true
        Path bin = Files.createDirectory(root.resolve("bin"));
        for (String name : List.of("mysql", "sshpass", "redis-cli", "curl", "deploy-tool")) {
            Files.createSymbolicLink(bin.resolve(name), Path.of("/bin/true"));
        }

        String akia = "AKIA" + secret().toUpperCase().substring(0, 16);
        Map<String, String> secrets = new LinkedHashMap<>();
        for (String name : List.of("mysql", "option", "next", "bearer", "url", "query", "sshpass", "redis", "custom")) {
            secrets.put(name, secret());
        }
        secrets.put("aws", akia);
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("mysql", List.of(bin + "/mysql", "-uroot", "-p" + secrets.get("mysql"), "case-mysql-" + run));
        commands.put("options", List.of(bin + "/deploy-tool", "--password=" + secrets.get("option"), "--token", secrets.get("next"), "case-options-" + run));
        commands.put("curl", List.of(bin + "/curl", "-H", "Authorization: Bearer " + secrets.get("bearer"),
                "https://bob:" + secrets.get("url") + "@example.com/x?api_key=" + secrets.get("query"), "case-curl-" + run));
        commands.put("sshpass", List.of(bin + "/sshpass", "-p", secrets.get("sshpass"), "ssh", "case-sshpass-" + run));
        commands.put("redis", List.of(bin + "/redis-cli", "-a", secrets.get("redis"), "case-redis-" + run));
        commands.put("aws", List.of(bin + "/deploy-tool", "AWS_ACCESS_KEY_ID " + akia, "case-aws-" + run));
        commands.put("custom", List.of(bin + "/deploy-tool", "ghp_" + secrets.get("custom"), "case-custom-" + run));

        String prefix = "red" + run + ".";
        Map<String, byte[]> spoolSeen = new HashMap<>();
        try (UnprivilegedAgent agent = UnprivilegedAgent.start("--sink", "kafka", "--bootstrap", kafka.bootstrapServers(),
                "--topic-prefix", prefix, "--spool-dir", spool.toString(), "--replication-factor", "1",
                "--health-interval", "1s", "--interval", "500ms", "--pin-dir", "", "--families", "process,net",
                "--seccomp", "--anonymise-key-file", key.toString(), "--redact-pattern", "ghp_([A-Za-z0-9]+)",
                "--duration", "25s")) {
            agent.awaitStderr(l -> l.contains("now holding"), 90);
            for (List<String> cmd : commands.values()) {
                Process p = new ProcessBuilder(cmd).start();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), cmd.toString());
            }
            // the spool holds what is on its way to Kafka: look while the agent runs
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline && !String.join("", spoolText(spool, spoolSeen)).contains("case-custom-" + run)) {
                Thread.sleep(100);
            }
            assertEquals(0, agent.awaitExit(90), agent.stderr());
            assertFalse(agent.stderr().contains("warning"), agent.stderr());
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spool)), "spool created 0700");
        assertEquals(UnprivilegedAgent.NOBODY, ((Number) Files.getAttribute(spool, "unix:uid")).intValue(), "owned by the agent's user");

        // everything in Kafka under this run's prefix
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = KafkaTopics.fromStart(kafka, prefix)) {
            int quiet = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (quiet < 5 && System.nanoTime() < until) {
                int n = 0;
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                    for (String value : KafkaTopics.records(r)) {
                        values.add(r.key() + " " + value);
                    }
                    n++;
                }
                quiet = n == 0 ? quiet + 1 : 0;
            }
        }
        String allKafka = String.join("\n", values);
        String allSpool = String.join("\n", spoolText(spool, spoolSeen));
        assertTrue(allSpool.contains("case-custom-" + run), "the spool held the exec records while they were on their way");
        for (Map.Entry<String, String> s : secrets.entrySet()) {
            assertFalse(allKafka.contains(s.getValue()), s.getKey() + " secret in Kafka");
            assertFalse(allSpool.contains(s.getValue()), s.getKey() + " secret in the spool");
        }

        ObjectMapper json = new ObjectMapper();
        Anonymiser anonymiser = new Anonymiser(keyBytes);
        Map<String, JsonNode> execs = new HashMap<>();
        List<JsonNode> net = new ArrayList<>();
        JsonNode audit = null;
        for (String v : values) {
            JsonNode n = json.readTree(v.substring(v.indexOf(' ') + 1));
            switch (n.get("type").asText()) {
                case "exec" -> {
                    List<String> argv = json.convertValue(n.get("argv"), List.class);
                    String last = argv.get(argv.size() - 1);
                    if (last.endsWith(run)) {
                        execs.put(last.substring(5, last.length() - run.length() - 1), n);
                    }
                }
                case "net" -> {
                    if (n.has("saddr")) { // connections and UDP pairs; interface counters have no address
                        net.add(n);
                    }
                }
                case "audit" -> audit = n;
                default -> {
                }
            }
        }
        assertEquals(commands.keySet(), execs.keySet(), "every command's exec record arrived");
        assertEquals(List.of(bin + "/mysql", "-uroot", "-p" + MASK, "case-mysql-" + run), argv(json, execs.get("mysql")));
        assertEquals(List.of(bin + "/deploy-tool", "--password=" + MASK, "--token", MASK, "case-options-" + run), argv(json, execs.get("options")));
        assertEquals(List.of(bin + "/curl", "-H", "Authorization: " + MASK, "https://bob:" + MASK + "@example.com/x?api_key=" + MASK,
                "case-curl-" + run), argv(json, execs.get("curl")));
        assertEquals(List.of(bin + "/sshpass", "-p", MASK, "ssh", "case-sshpass-" + run), argv(json, execs.get("sshpass")));
        assertEquals(List.of(bin + "/redis-cli", "-a", MASK, "case-redis-" + run), argv(json, execs.get("redis")));
        assertEquals(List.of(bin + "/deploy-tool", "AWS_ACCESS_KEY_ID " + MASK, "case-aws-" + run), argv(json, execs.get("aws")));
        assertEquals(List.of(bin + "/deploy-tool", "ghp_" + MASK, "case-custom-" + run), argv(json, execs.get("custom")));
        // the commands ran as root: uid 0, as its keyed hash
        for (JsonNode e : execs.values()) {
            assertEquals(anonymiser.token("uid", "0"), e.get("uid").asText(), e.toString());
        }
        // the agent's own connections to the broker: loopback addresses, as tokens only
        assertFalse(net.isEmpty(), "net records of the agent's broker connections");
        String loopback = anonymiser.token("ip", "127.0.0.1");
        assertTrue(net.stream().anyMatch(n -> loopback.equals(n.get("saddr").asText()) || loopback.equals(n.get("daddr").asText())),
                "127.0.0.1 as its token " + loopback + " in " + net.get(0));
        for (JsonNode n : net) {
            assertTrue(n.get("saddr").asText().startsWith("ip:") && n.get("daddr").asText().startsWith("ip:"), n.toString());
        }
        assertFalse(allKafka.contains("\"127.0.0.1\""), "no plain address in Kafka");

        assertNotNull(audit, "the audit record in " + prefix + "audit");
        assertTrue(audit.get("redaction").asBoolean() && audit.get("anonymisation").asBoolean() && audit.get("seccomp").asBoolean(), audit.toString());
        assertEquals(List.of("ghp_([A-Za-z0-9]+)"), json.convertValue(audit.get("redaction_patterns"), List.class));
        assertEquals(spool.toString(), audit.get("spool_dir").asText());
        assertEquals("", audit.get("capabilities_running").asText());
        assertFalse(audit.toString().contains(HexFormat.of().formatHex(keyBytes)), "never the key");
    }

    private static List<String> argv(ObjectMapper json, JsonNode exec) {
        return json.convertValue(exec.get("argv"), List.class);
    }

    /** The text of every spool file now, remembered across calls (segments are removed once delivered). */
    private static List<String> spoolText(Path spool, Map<String, byte[]> seen) throws IOException {
        if (Files.isDirectory(spool)) {
            try (Stream<Path> files = Files.list(spool)) {
                for (Path f : files.toList()) {
                    try {
                        byte[] now = Files.readAllBytes(f);
                        seen.merge(f.getFileName().toString(), now, (a, b) -> b.length >= a.length ? b : concat(a, b));
                    } catch (IOException removed) {
                        // delivered and deleted meanwhile
                    }
                }
            }
        }
        List<String> out = new ArrayList<>();
        seen.values().forEach(b -> out.add(new String(b, StandardCharsets.ISO_8859_1)));
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
