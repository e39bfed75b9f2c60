package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.agent.logging.AgentLog;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sink as wired by {@link KafkaSink#open}, over a fake transport: what a clean close leaves behind. */
class KafkaSinkTest {
    @TempDir
    Path dir;

    @Test
    void aCleanCloseDeliversEverythingThenSendsTheClosingHeartbeatToEveryPartition() throws Exception {
        FakeTransport transport = new FakeTransport(2);
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.bootstrap = "fake:9092";
        c.spoolDir = dir.toString();
        c.healthIntervalMs = 3_600_000;
        KafkaSink sink = KafkaSink.open(c, "h", "b", AgentLog.to(null, "kafka"), transport.supplier(), (t, startup) -> true);
        for (int i = 1; i <= 50; i++) {
            sink.accept(new Event(EventType.EXEC, "h", "b", 0, i, i, 100 + i, "c").put(Fields.PPID, 1));
        }
        sink.heartbeat(System.currentTimeMillis() * 1_000_000L);
        assertTrue(sink.awaitDelivered(Duration.ofSeconds(10)));
        assertEquals(50, sink.stats().accepted());
        sink.close();
        assertTrue(sink.closingHeartbeatSent());
        assertEquals(51, sink.stats().produced(), "the records and the last health record");
        assertEquals(0, sink.stats().spoolRecords());
        Map<String, FakeTransport.Sent> last = new HashMap<>();
        transport.sent().forEach(s -> last.put(s.topic() + "/" + s.partition(), s));
        for (String topic : sink.heartbeatTopics()) {
            for (int p = 0; p < 2; p++) {
                FakeTransport.Sent s = last.get(topic + "/" + p);
                assertTrue(s != null && s.heartbeat() && s.lines().get(0).contains("\"closing\":true"), topic + "/" + p + ": " + s);
            }
        }
        assertEquals(List.copyOf(new SinkTopics(c).heartbeat()), sink.heartbeatTopics());
        assertThrows(IllegalStateException.class, () -> sink.accept(new Event(EventType.EXEC, "h", "b", 0, 51, 51, 1, "c")));
    }
}
