package io.akmon.agent.publish;

import io.akmon.agent.loader.ProbeException;
import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaSinkConfigTest {

    private static KafkaSinkConfig valid() {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.bootstrap = "localhost:9092";
        return c;
    }

    private static ProbeException rejected(Consumer<KafkaSinkConfig> change) {
        KafkaSinkConfig c = valid();
        change.accept(c);
        return assertThrows(ProbeException.class, c::validate);
    }

    @Test
    void defaultsWithABootstrapAreValid() {
        KafkaSinkConfig c = valid().validate();
        assertEquals("akmon.exec", c.topic(EventType.EXEC));
        assertEquals("akmon.agent", c.topic(EventType.AGENT));
        c.topics.put("syscall", "sys-calls");
        assertEquals("sys-calls", c.topic(EventType.SYSCALL));
        c.validate();
    }

    @Test
    void invalidValuesNameTheSettingAndTheFix() {
        ProbeException e = rejected(c -> c.bootstrap = null);
        assertTrue(e.getMessage().contains("bootstrap"), e.getMessage());
        assertTrue(e.fix().contains("--bootstrap"), e.fix());

        e = rejected(c -> c.bootstrap = "localhost");
        assertTrue(e.getMessage().contains("'localhost'"), e.getMessage());
        assertTrue(e.fix().contains("HOST:PORT"));

        e = rejected(c -> c.bootstrap = "a:9092,b:99999");
        assertTrue(e.getMessage().contains("'b:99999'"), e.getMessage());

        e = rejected(c -> c.replicationFactor = 0);
        assertTrue(e.getMessage().contains("replication factor"), e.getMessage());

        e = rejected(c -> c.partitions = 0);
        assertTrue(e.getMessage().contains("partitions"), e.getMessage());

        e = rejected(c -> c.compression = "brotli");
        assertTrue(e.getMessage().contains("brotli") && e.fix().contains("zstd"), e.oneLine());

        e = rejected(c -> c.shedOrder = List.of("syscall", "agent"));
        assertTrue(e.getMessage().contains("'agent' cannot be shed"), e.getMessage());

        e = rejected(c -> c.shedOrder = List.of("sycall"));
        assertTrue(e.getMessage().contains("'sycall'"), e.getMessage());

        e = rejected(c -> c.spoolMaxBytes = 1000);
        assertTrue(e.getMessage().contains("spool_max_bytes") && e.fix().contains("--spool-max-bytes"), e.oneLine());

        e = rejected(c -> c.topics.put("execs", "x"));
        assertTrue(e.getMessage().contains("'execs'"), e.getMessage());

        e = rejected(c -> c.topicPrefix = "bad prefix/");
        assertTrue(e.getMessage().contains("topic_prefix"), e.getMessage());

        e = rejected(c -> c.shedStart = 0);
        assertTrue(e.getMessage().contains("shed_start"), e.getMessage());
    }

    @Test
    void byteSizes() {
        assertEquals(512L << 20, KafkaSinkConfig.parseBytes("512m", "--spool-max-bytes"));
        assertEquals(1L << 30, KafkaSinkConfig.parseBytes("1G", "--spool-max-bytes"));
        assertEquals(4096, KafkaSinkConfig.parseBytes("4096", "--spool-max-bytes"));
        assertEquals(256 * 1024, KafkaSinkConfig.parseBytes("256kb", "--spool-max-bytes"));
        ProbeException e = assertThrows(ProbeException.class, () -> KafkaSinkConfig.parseBytes("lots", "--spool-max-bytes"));
        assertTrue(e.getMessage().contains("--spool-max-bytes 'lots'"), e.getMessage());
    }
}
