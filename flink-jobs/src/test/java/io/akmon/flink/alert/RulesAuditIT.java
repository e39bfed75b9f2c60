package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.KafkaIo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The alert job's audit record of its rules, through a real broker: who, when, which digest, what changed. */
class RulesAuditIT {
    @TempDir
    Path dir;

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static List<String> names(JsonNode array) {
        List<String> l = new java.util.ArrayList<>();
        array.forEach(n -> l.add(n.asText()));
        return l;
    }

    @Test
    void eachStartWritesWhoWhenTheDigestAndTheRulesAddedChangedAndRemovedSinceThePreviousStart() throws Exception {
        String v1;
        try (var in = AlertJob.class.getClassLoader().getResourceAsStream(AlertJob.DEFAULT_RULES)) {
            v1 = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // Rules are the items at two spaces of indent (steps sit deeper).
        int shell = v1.indexOf("\n  - name: shell-after-accept");
        int next = v1.indexOf("\n  - name: ", shell + 1);
        String withoutShell = v1.substring(0, shell) + (next < 0 ? "\n" : v1.substring(next));
        int cpu = v1.indexOf("\n  - name: cpu-sustained");
        String cpuBlock = v1.substring(cpu, v1.indexOf("\n  - name: ", cpu + 1));
        String v2 = withoutShell.replace("fork_storm_children: 50", "fork_storm_children: 80")
                + cpuBlock.replace("name: cpu-sustained", "name: cpu-busy") + "\n";
        assertTrue(v2.contains("fork_storm_children: 80") && !v2.contains("shell-after-accept"));
        Path rules = dir.resolve("rules.yaml");

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopics(1, "akmon.audit");
            String[] args = {"--bootstrap-servers", kafka.bootstrapServers(), "--rules", rules.toString(), "--job-name", "alerts-eu"};

            Files.writeString(rules, v1);
            AlertOptions o1 = AlertOptions.parse(args);
            RulesAudit.publish(o1, AlertJob.loadRules(o1));
            // The same rules again: nothing added, changed or removed.
            RulesAudit.publish(o1, AlertJob.loadRules(o1));
            Files.writeString(rules, v2);
            AlertOptions o2 = AlertOptions.parse(args);
            RulesAudit.publish(o2, AlertJob.loadRules(o2));

            List<String> records = KafkaIo.readCommitted(kafka.bootstrapServers(), "akmon.audit");
            assertEquals(3, records.size(), String.valueOf(records));
            JsonNode first = Json.MAPPER.readTree(records.get(0));
            JsonNode same = Json.MAPPER.readTree(records.get(1));
            JsonNode changed = Json.MAPPER.readTree(records.get(2));

            assertEquals("audit", first.path("type").asText());
            assertEquals(RulesAudit.EVENT, first.path("event").asText());
            assertEquals(System.getProperty("user.name"), first.path("user").asText());
            assertEquals(java.net.InetAddress.getLocalHost().getHostName(), first.path("host").asText());
            assertEquals(rules.toAbsolutePath().toString(), first.path("rules_file").asText());
            assertEquals(sha256(v1.getBytes(StandardCharsets.UTF_8)), first.path("rules_sha256").asText());
            long startedAt = first.path("seq").asLong();
            assertTrue(Math.abs(startedAt / 1_000_000 - System.currentTimeMillis()) < 120_000, "when: " + startedAt);
            assertTrue(first.path("first_start").asBoolean());
            assertEquals(AlertJob.loadRules(o1).rules.size(), first.path("added").size());

            assertFalse(same.path("first_start").asBoolean());
            assertEquals(List.of(), names(same.path("added")));
            assertEquals(List.of(), names(same.path("changed")), "the same rules give the same digests");
            assertEquals(List.of(), names(same.path("removed")));

            assertEquals(sha256(v2.getBytes(StandardCharsets.UTF_8)), changed.path("rules_sha256").asText());
            assertEquals(List.of("cpu-busy"), names(changed.path("added")));
            assertEquals(List.of("fork-storm"), names(changed.path("changed")));
            assertEquals(List.of("shell-after-accept"), names(changed.path("removed")));
        }
    }
}
