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
