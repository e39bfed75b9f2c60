package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.spool.Spool;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpoolWriterTest {
    @TempDir
    Path dir;

    private final LossLedger losses = new LossLedger();
    private final AtomicInteger wakes = new AtomicInteger();
    private Spool spool;

    private SpoolWriter writer(long maxBytes, List<String> shedOrder, double shedStart) throws IOException {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.spoolDir = dir.toString();
        c.spoolMaxBytes = maxBytes;
        c.shedOrder = shedOrder;
        c.shedStart = shedStart;
        spool = Spool.open(dir, maxBytes);
        return new SpoolWriter(c, spool, losses, new ProblemLog(AgentLog.to(null, "kafka")), wakes::incrementAndGet);
    }

    @AfterEach
    void close() throws IOException {
        spool.close();
    }

    private static Event event(EventType type, long seq) {
        return new Event(type, "h", "b", 0, seq, seq, 1, "c").put(Fields.PPID, 1);
    }

    @Test
    void aRecordGoesIntoTheSpoolAsSpoolRecordFramesItAndWakesThePublisher() throws Exception {
        SpoolWriter w = writer(1 << 20, List.of(), 0.5);
        Event e = event(EventType.FORK, 1);
        w.accept(e);
        w.flush();
        assertEquals(1, w.accepted());
        assertEquals(1, wakes.get());
        Spool.Entry read = spool.next();
        assertEquals(new String(SpoolRecord.encode(e)), new String(read.payload()));
    }

    @Test
    void theFamiliesOfTheShedOrderAreShedAsTheSpoolFillsAndCounted() throws Exception {
        SpoolWriter w = writer(1 << 20, List.of("syscall"), 0.0); // shed from an empty spool on
        w.accept(event(EventType.SYSCALL, 1));
        w.accept(event(EventType.FORK, 2));
        assertEquals(1, losses.dropped(EventType.SYSCALL, LossLedger.Reason.SHED));
        assertEquals(1, w.accepted());
        assertEquals(1, spool.depth());
    }

    @Test
    void lossRecordsAddUpAsTheKernelsLossesAndAreNeverShed() throws Exception {
        SpoolWriter w = writer(1 << 20, List.of("lost"), 0.0);
        w.accept(event(EventType.LOST, 1).put(Fields.LOST, 5).put(Fields.SOURCE, "ringbuf"));
        w.accept(event(EventType.LOST, 2).put(Fields.LOST, 7).put(Fields.SOURCE, "ringbuf"));
        assertEquals(12, w.kernelLost());
        assertEquals(2, w.accepted());
        assertEquals(0, losses.total(LossLedger.Reason.SHED));
    }

    @Test
    void pastTheBoundRecordsAreDroppedAndCountedByFamily() throws Exception {
        SpoolWriter w = writer(64 * 1024, List.of(), 1.0);
        long n = 0;
        while (losses.total(LossLedger.Reason.FULL) == 0 && n < 100_000) {
            w.accept(event(EventType.EXEC, ++n));
        }
        assertEquals(1, losses.dropped(EventType.EXEC, LossLedger.Reason.FULL));
        assertEquals(n - 1, w.accepted());
        assertTrue(w.append(event(EventType.AGENT, n + 1), true, false), "the sink's own records use the reserve");
        assertEquals(n - 1, w.accepted(), "and are not the agent's records");
    }

    @Test
    void aFailingSpoolIsSaidOnce() throws Exception {
        SpoolWriter w = writer(1 << 20, List.of(), 0.5);
        assertTrue(w.startFailing());
        assertFalse(w.startFailing());
        w.accept(event(EventType.FORK, 1)); // a write that succeeds ends the episode
        assertTrue(w.startFailing());
    }
}
