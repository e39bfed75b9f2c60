package io.akmon.flink.aggregate;

import io.akmon.flink.testing.WindowHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.akmon.flink.testing.Records.disk;
import static io.akmon.flink.testing.Records.hist;
import static io.akmon.flink.testing.Records.net;
import static io.akmon.flink.testing.WindowHarness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;

class DeviceAndConnectionWindowTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration LATENESS = Duration.ofSeconds(5);

    /** Past the stream idle timeout (1 h) the host's deduplication and history state is gone too. */
    private static void drained(org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness<String,
            io.akmon.flink.ingest.Event, Aggregate> h) throws Exception {
        h.processWatermark(Duration.ofHours(2).toMillis());
        assertEquals(0, h.numKeyedStateEntries());
        assertEquals(0, h.numEventTimeTimers());
    }

    @Test
    void diskFiguresPerDeviceWithLatencyPercentiles() throws Exception {
        try (var h = WindowHarness.of(WINDOW, LATENESS)) {
            long[] reads = hist(2, 90);     // [2, 4) us
            reads[12] = 10;                 // [2048, 4096) us
            send(h, disk("h1", -1, 1, 1_000, 7, "a", "vda", "read", 60, 60 * 4096, 60_000_000, reads),
                    disk("h1", -1, 2, 2_000, 8, "b", "vda", "read", 40, 40 * 4096, 40_000_000, hist(2, 0)),
                    disk("h1", -1, 3, 2_000, 8, "b", "vda", "write", 5, 5 * 8192, 5_000, hist(0, 5)),
                    disk("h1", -1, 4, 2_000, 8, "b", "vdb", "write", 1, 512, 1_000, hist(1, 1)));
            h.processWatermark(9_999);
            List<DiskAggregate> out = WindowHarness.outputs(h, DiskAggregate.KIND);
            assertEquals(2, out.size());
            DiskAggregate vda = (DiskAggregate) out.stream().filter(a -> a.id.equals("disk/10s/h1/vda/0")).findFirst().get();
            assertEquals("vda", vda.device);
            assertEquals("253:0", vda.dev);
            assertEquals(100, vda.readOps);
            assertEquals(100 * 4096, vda.readBytes);
            assertEquals(10.0, vda.readIops, 1e-12);
            assertEquals(1000.0, vda.readLatencyAvgUs, 1e-12);
            assertEquals(4, vda.readLatencyP50Us);
            assertEquals(4096, vda.readLatencyP95Us);
            assertEquals(4096, vda.readLatencyP99Us);
            assertEquals(5, vda.writeOps);
            assertEquals(1, vda.writeLatencyP99Us);
            h.processWatermark(9_999 + LATENESS.toMillis());
            assertEquals(0, WindowHarness.windowStateEntries(h, "10s"));
            drained(h);
        }
    }

    @Test
    void connectionTotalsAreTheSumOfItsStatsAndClose() throws Exception {
        try (var h = WindowHarness.of(WINDOW, LATENESS)) {
            send(h, net("h1", 0, 1, 1_000, 7, "curl", "connect", "ab12", 0, 0, 0),
                    net("h1", -1, 1, 3_000, 7, "curl", "stats", "ab12", 1_000, 20_000, 2),
                    net("h1", -1, 2, 6_000, 7, "curl", "stats", "ab12", 500, 5_000, 0),
                    net("h1", 1, 1, 8_000, 7, "curl", "close", "ab12", 10, 30, 1),
                    net("h1", 0, 2, 12_000, 9, "srv", "accept", "cd34", 0, 0, 0));
            h.processWatermark(19_999);
            List<ConnectionAggregate> out = WindowHarness.outputs(h, ConnectionAggregate.KIND);
            assertEquals(2, out.size());
            ConnectionAggregate c = (ConnectionAggregate) out.get(0);
            assertEquals("connection/10s/h1/ab12@boot-1/0", c.id);
            assertEquals("ab12", c.conn);
            assertEquals(7, c.pid);
            assertEquals("curl", c.comm);
            assertEquals("outbound", c.direction);
            assertEquals(1, c.opened);
            assertEquals(1, c.closed);
            assertEquals(1_510, c.bytesSent);
            assertEquals(25_030, c.bytesReceived);
            assertEquals(2_503.0, c.bytesReceivedPerSec, 1e-12);
            assertEquals(3, c.retransmits);
            assertEquals("inbound", out.get(1).direction);
            h.processWatermark(19_999 + LATENESS.toMillis());
            assertEquals(0, WindowHarness.windowStateEntries(h, "10s"));
            drained(h);
        }
    }
}
