package io.akmon.agent;

import io.akmon.agent.loader.ProbeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentSettingsTest {

    @Test
    void aGoodFileSetsEveryNamedSetting(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, """
                interval_ms: 500
                transport: perf
                perf_wakeup_events: 16
                comms: [nginx, postgres]
                syscall_sample_rate: 4
                families: [process, net]
                host: web-1
                """);
        AgentSettings s = AgentSettings.load(f);
        assertEquals(500, s.intervalMs);
        assertEquals(AgentSettings.Transport.PERF, s.transport);
        assertEquals(16, s.perfWakeupEvents);
        assertEquals(List.of("nginx", "postgres"), s.comms);
        assertEquals(4, s.syscallSampleRate);
        assertEquals("web-1", s.host);
        assertEquals(2, s.enabledFamilies().size());
    }

    @Test
    void emptyItemsAreNamedNotANullPointer(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.yaml");
        for (String[] c : new String[][] {
                {"comms: [null]", "comms has an empty item (null) at position 1"},
                {"pids: [1, null]", "pids has an empty item (null) at position 2"},
                {"cgroups:\n  - /sys/fs/cgroup/a\n  -\n", "cgroups has an empty item (null) at position 2"},
                {"families: [process, ~]", "families has an empty item (null) at position 2"},
                {"comms:", "comms is empty (null)"},
                {"families:", "families is empty (null)"}}) {
            Files.writeString(f, c[0] + "\n");
            ProbeException e = assertThrows(ProbeException.class, () -> AgentSettings.load(f), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
            assertTrue(e.fix() != null && !e.oneLine().contains("\n"), e.oneLine());
        }
        Files.writeString(f, "sink: kafka\nkafka:\n  bootstrap: k:9092\n  shed_order: [syscall, null]\n  properties:\n    acks:\n");
        AgentSettings s = AgentSettings.load(f);
        ProbeException e = assertThrows(ProbeException.class, () -> s.kafka.validate());
        assertTrue(e.getMessage().contains("shed_order is empty or has an empty item (null)"), e.getMessage());
        s.kafka.shedOrder = List.of("syscall");
        e = assertThrows(ProbeException.class, () -> s.kafka.validate());
        assertTrue(e.getMessage().contains("kafka properties is empty or has an empty key or value (null)"), e.getMessage());
    }

    @Test
    void theKafkaSectionTakesTheSecurityOptionsByTheirOwnNamesAndFlagsWin(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Path password = Files.writeString(dir.resolve("kafka.password"), "from-the-file\n");
        Path other = Files.writeString(dir.resolve("other.password"), "from-the-flag\n");
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, "sink: kafka\nkafka:\n  bootstrap: k:9093\n  security_protocol: SASL_SSL\n  ca: " + ca
                + "\n  sasl_mechanism: SCRAM-SHA-256\n  user: akmon\n  password_file: " + password + "\n");
        AgentSettings s = AgentSettings.load(f);
        // one declaration: every key is an option of the mixin without its --kafka- prefix
        assertEquals(List.of("security_protocol", "ca", "ca_password_file", "keystore", "keystore_password_file",
                "sasl_mechanism", "user", "password_file"), List.copyOf(io.akmon.schema.security.KafkaSecurityOptions.configKeys().keySet()));
        assertEquals("akmon", s.kafka.security.user);

        @picocli.CommandLine.Command(name = "agent")
        final class Cmd {
            @picocli.CommandLine.Mixin
            io.akmon.agent.publish.KafkaOptions kafka;
        }
        Cmd fromFile = new Cmd();
        new picocli.CommandLine(fromFile).parseArgs();
        var c = fromFile.kafka.applyTo(s.kafka);
        assertEquals("SASL_SSL", c.properties.get("security.protocol"));
        assertEquals("PEM", c.properties.get("ssl.truststore.type"));
        assertEquals(ca.toString(), c.properties.get("ssl.truststore.location"));
        assertEquals("SCRAM-SHA-256", c.properties.get("sasl.mechanism"));
        assertTrue(c.properties.get("sasl.jaas.config").contains("username=\"akmon\" password=\"from-the-file\""), c.properties.toString());

        Cmd flags = new Cmd();
        new picocli.CommandLine(flags).parseArgs("--kafka-user", "agent-2", "--kafka-password-file", other.toString());
        var d = flags.kafka.applyTo(AgentSettings.load(f).kafka);
        assertTrue(d.properties.get("sasl.jaas.config").contains("username=\"agent-2\" password=\"from-the-flag\""), d.properties.toString());
        assertEquals("SCRAM-SHA-256", d.properties.get("sasl.mechanism"), "what no flag gives comes from the file");

        Files.writeString(f, "sink: kafka\nkafka:\n  bootstrap: k:9093\n  user: [a, b]\n");
        ProbeException e = assertThrows(ProbeException.class, () -> AgentSettings.load(f));
        assertTrue(e.getMessage().contains("line 4") && e.getMessage().contains("kafka user takes one value"), e.getMessage());
        Files.writeString(f, "sink: kafka\nkafka:\n  bootstrap: k:9093\n  kafka_user: a\n");
        e = assertThrows(ProbeException.class, () -> AgentSettings.load(f));
        assertTrue(e.getMessage().contains("line 4") && e.getMessage().contains("kafka_user"), e.getMessage());
    }

    @Test
    void theShippedDeploymentSettingsLoadWithTheirKafkaSection() {
        AgentSettings s = AgentSettings.load(Path.of("..", "deploy", "agent.yaml"));
        assertEquals("kafka", s.sink);
        assertEquals("kafka-1.example.internal:9092,kafka-2.example.internal:9092", s.kafka.bootstrap);
        assertEquals(12, s.kafka.partitions);
        assertEquals(3, s.kafka.replicationFactor);
        assertEquals(1L << 30, s.kafka.spoolMaxBytes);
        s.kafka.validate();
    }

    @Test
    void anUnknownKafkaSettingOrSinkIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, "sink: kafka\nkafka:\n  bootstrap: k:9092\n  partition: 3\n");
        ProbeException e = assertThrows(ProbeException.class, () -> AgentSettings.load(f));
        assertTrue(e.getMessage().contains("line 4") && e.getMessage().contains("partition"), e.getMessage());
        Files.writeString(f, "sink: elastic\n");
        e = assertThrows(ProbeException.class, () -> AgentSettings.load(f));
        assertTrue(e.getMessage().contains("sink must be stdout or kafka"), e.getMessage());
    }

    @Test
    void anUnknownSettingNamesItsLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, "interval_ms: 500\nintervall: 3\n");
        ProbeException e = assertThrows(ProbeException.class, () -> AgentSettings.load(f));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("intervall"), e.getMessage());
    }

    @Test
    void aWrongTypeNamesTheField(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, "interval_ms: soon\n");
        ProbeException e = assertThrows(ProbeException.class, () -> AgentSettings.load(f));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("soon"), e.getMessage());
    }

    @Test
    void brokenYamlIsReportedWithItsPosition(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, "comms: [nginx\ninterval_ms: 5\n");
        ProbeException e = assertThrows(ProbeException.class, () -> AgentSettings.load(f));
        assertTrue(e.getMessage().startsWith("invalid config file " + f), e.getMessage());
        assertTrue(e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void aMissingOrUnreadableFileIsNamed(@TempDir Path dir) {
        ProbeException e = assertThrows(ProbeException.class, () -> AgentSettings.load(dir.resolve("nope.yaml")));
        assertTrue(e.getMessage().contains("nope.yaml") && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void impossibleValuesAreRejectedByName() {
        AgentSettings s = new AgentSettings();
        s.ringbufBytes = 5000;
        assertTrue(assertThrows(ProbeException.class, s::validate).getMessage().contains("ringbuf_bytes"));
        AgentSettings t = new AgentSettings();
        t.families = List.of("process", "gpu");
        assertTrue(assertThrows(ProbeException.class, t::validate).getMessage().contains("gpu"));
        AgentSettings u = new AgentSettings();
        u.comms = List.of("a-very-long-command-name");
        assertTrue(assertThrows(ProbeException.class, u::validate).getMessage().contains("comm filter"));
    }
}
