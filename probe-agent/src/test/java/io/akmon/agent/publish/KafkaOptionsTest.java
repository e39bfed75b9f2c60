package io.akmon.agent.publish;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.akmon.agent.loader.ProbeException;
import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaOptionsTest {
    @Command(name = "agent")
    static final class Cmd {
        @Mixin
        KafkaOptions kafka;
    }

    private static KafkaOptions parse(String... args) {
        Cmd cmd = new Cmd();
        new CommandLine(cmd).parseArgs(args);
        return cmd.kafka;
    }

    /** The agent's config file reader: snake_case names, unknown names rejected. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    @Test
    void optionsOverrideTheConfigFileSection() throws Exception {
        KafkaSinkConfig file = YAML.readValue("""
                bootstrap: file-host:9092
                topic_prefix: prod.
                topics: {exec: execs}
                partitions: 6
                replication_factor: 3
                spool_dir: /srv/spool
                spool_max_bytes: 2g
                shed_order: [syscall]
                health_interval_ms: 5000
                properties: {security.protocol: SSL}
                """, KafkaSinkConfig.class);
        assertEquals(2L << 30, file.spoolMaxBytes);
        assertEquals(3, file.replicationFactor);

        KafkaSinkConfig c = parse("--bootstrap", "a:1,b:2", "--replication-factor", "1", "--spool-max-bytes", "512m",
                "--shed-order", "none", "--topic", "syscall=sys", "--health-interval", "30s", "--no-create-topics",
                "--kafka-property", "linger.ms=5").applyTo(file);
        assertEquals("a:1,b:2", c.bootstrap);
        assertEquals("prod.", c.topicPrefix);
        assertEquals("execs", c.topic(EventType.EXEC));
        assertEquals("sys", c.topic(EventType.SYSCALL));
        assertEquals("prod.net", c.topic(EventType.NET));
        assertEquals(6, c.partitions);
        assertEquals(1, c.replicationFactor);
        assertEquals("/srv/spool", c.spoolDir);
        assertEquals(512L << 20, c.spoolMaxBytes);
        assertEquals(List.of(), c.shedOrder);
        assertEquals(30_000, c.healthIntervalMs);
        assertFalse(c.createTopics);
        assertEquals(Map.of("security.protocol", "SSL", "linger.ms", "5"), c.properties);
    }

    @Test
    void defaultsNeedOnlyTheBootstrap() {
        KafkaSinkConfig c = parse("--bootstrap", "localhost:9092").applyTo(null);
        assertEquals("akmon.syscall", c.topic(EventType.SYSCALL));
        assertEquals(3, c.partitions);
        assertEquals(1, c.replicationFactor);
        assertTrue(c.createTopics);
        assertEquals("/var/lib/akmon/spool", c.spoolDir);
        assertEquals(1L << 30, c.spoolMaxBytes);
        assertEquals(KafkaSinkConfig.DEFAULT_SHED_ORDER, c.shedOrder);

        ProbeException e = assertThrows(ProbeException.class, () -> parse().applyTo(null));
        assertTrue(e.oneLine().contains("--bootstrap"), e.oneLine());
        e = assertThrows(ProbeException.class, () -> parse("--bootstrap", "h:1", "--spool-max-bytes", "huge").applyTo(null));
        assertTrue(e.getMessage().contains("--spool-max-bytes 'huge'"), e.getMessage());
        e = assertThrows(ProbeException.class, () -> parse("--bootstrap", "h:1", "--shed-order", "exec,agent").applyTo(null));
        assertTrue(e.getMessage().contains("'agent' cannot be shed"), e.getMessage());
    }

    @Test
    void unknownSettingInTheFileSectionIsRejected() {
        Exception e = assertThrows(Exception.class, () -> YAML.readValue("bootstrap: h:1\nreplication: 2\n", KafkaSinkConfig.class));
        assertTrue(e.getMessage().contains("replication"), e.getMessage());
    }
}
