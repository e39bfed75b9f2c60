package io.akmon.flink.ingest;

import io.akmon.flink.testing.Records;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeartbeatWatermarksTest {
    private static final long OOO = 2_000;
    private static final long STALE = 5_000;

    private long now = 1_000_000;
    private final List<Long> emitted = new ArrayList<>();
    private final WatermarkOutput out = new WatermarkOutput() {
        @Override
        public void emitWatermark(Watermark watermark) {
            emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
            idle = true;
        }

        @Override
        public void markActive() {
            idle = false;
        }
    };
    private boolean idle;
    private final HeartbeatWatermarks wm = new HeartbeatWatermarks(OOO, STALE, () -> now);

    private void feed(io.akmon.flink.ingest.Event e) {
        wm.onEvent(Envelope.of(e), e.timestampMillis(), out);
    }

    private Long emit() {
        int before = emitted.size();
        wm.onPeriodicEmit(out);
        return emitted.size() > before ? emitted.get(emitted.size() - 1) : null;
    }

    @Test
    void heartbeatsSetTheWatermarkWithoutTheOutOfOrderness() {
        feed(Records.fork("a", 0, 1, 10_000, 5, 1, "sh"));
        feed(Records.heartbeat("a", 10_050));
        assertEquals(10_049L, emit()); // every record before 10 050 ms is in: the watermark is just behind it
        feed(Records.heartbeat("a", 10_150));
        assertEquals(10_149L, emit());
    }

    @Test
    void anIdlePartitionMovesByHeartbeatsAlone() {
        for (long t = 0; t < 10; t++) {
            now += 100;
            feed(Records.heartbeat("a", 20_000 + t * 100));
            assertEquals(20_000 + t * 100 - 1, emit());
        }
    }

    @Test
    void theSlowestHostHoldsTheSplitBack() {
        feed(Records.heartbeat("a", 30_000));
        feed(Records.heartbeat("b", 29_000));
        assertEquals(28_999L, emit());
        feed(Records.heartbeat("b", 31_000));
        assertEquals(29_999L, emit());
    }

    @Test
    void recordsOfAHeartbeatHostDoNotMoveIt() {
        feed(Records.heartbeat("a", 40_000));
        feed(Records.fork("a", 0, 1, 45_000, 5, 1, "sh")); // ahead of the progress: it came before the next heartbeat
        assertEquals(39_999L, emit());
        assertEquals(null, emit()); // nothing new: no repeated watermark
    }

    @Test
    void hostsWithoutHeartbeatsKeepTheOutOfOrdernessBound() {
        feed(Records.fork("old", 0, 1, 50_000, 5, 1, "sh"));
        feed(Records.fork("old", 0, 2, 49_000, 6, 1, "sh"));
        assertEquals(50_000 - OOO - 1, emit());
        feed(Records.heartbeat("a", 60_000));
        assertEquals(null, emit()); // the host without heartbeats is the slower one
        feed(Records.fork("old", 0, 3, 70_000, 7, 1, "sh"));
        assertEquals(59_999L, emit());
    }

    @Test
    void silentHostsAreForgottenSoTheyNoLongerHoldTheWatermark() {
        feed(Records.heartbeat("a", 80_000));
        feed(Records.heartbeat("gone", 70_000));
        feed(Records.fork("old", 0, 1, 75_000, 5, 1, "sh"));
        assertEquals(69_999L, emit());
        now += STALE / 2;
        feed(Records.heartbeat("a", 82_000));
        assertEquals(null, emit());
        now += STALE / 2 + 1; // "gone" and "old" silent for longer than the stale time
        assertEquals(81_999L, emit());
        assertEquals(1, wm.trackedHosts());
        now += STALE + 1;
        assertEquals(null, emit());
        assertEquals(0, wm.trackedHosts()); // state drains to zero once every host is silent
    }

    @Test
    void aClosingHeartbeatLetsGoOfItsHostAtOnceNotAfterTheIdleTimeout() {
        feed(Records.heartbeat("a", 90_000));
        feed(Records.heartbeat("b", 85_000));
        assertEquals(84_999L, emit());
        feed(Records.closingHeartbeat("b", 85_010)); // b closed cleanly: its last record is in
        assertEquals(89_999L, emit(), "no wait for the stale time: the clock has not moved");
        assertEquals(1, wm.trackedHosts());
        assertTrue(!idle);
        feed(Records.closingHeartbeat("a", 90_020));
        assertEquals(90_019L, emit(), "the split's last host closed: every record before its close is in");
        assertEquals(0, wm.trackedHosts()); // state drains to zero with the last host's close
        assertTrue(idle, "a split with no host left goes idle at once, so it holds the job's watermark no longer");
        assertEquals(null, emit());
        feed(Records.heartbeat("a", 95_000)); // the agent started again
        assertTrue(!idle);
        assertEquals(94_999L, emit());
    }

    @Test
    void aClosingHeartbeatAlsoLetsGoOfAHostWithoutEarlierHeartbeats() {
        feed(Records.fork("old", 0, 1, 50_000, 5, 1, "sh"));
        feed(Records.heartbeat("a", 60_000));
        assertEquals(50_000 - OOO - 1, emit());
        feed(Records.closingHeartbeat("old", 50_100));
        assertEquals(59_999L, emit());
        assertEquals(1, wm.trackedHosts());
    }

    @Test
    void theParserReadsAClosingHeartbeat() {
        String json = "{\"schema_version\":1,\"type\":\"heartbeat\",\"host\":\"a\",\"boot_id\":\"b\",\"cpu\":-1,"
                + "\"seq\":0,\"ts\":" + System.currentTimeMillis() * 1_000_000L + ",\"pid\":0";
        RecordParser parser = new RecordParser();
        assertTrue(parser.parse((json + ",\"closing\":true}").getBytes(java.nio.charset.StandardCharsets.UTF_8)).event().closing);
        assertTrue(!parser.parse((json + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8)).event().closing);
    }

    @Test
    void theParserReadsAHeartbeat() {
        long ts = System.currentTimeMillis() * 1_000_000L;
        String json = "{\"schema_version\":1,\"type\":\"heartbeat\",\"host\":\"a\",\"boot_id\":\"b\",\"cpu\":-1,"
                + "\"seq\":0,\"ts\":" + ts + ",\"pid\":0}";
        RecordParser.Result r = new RecordParser().parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(null, r.reason());
        assertTrue(r.event().isHeartbeat());
        assertEquals(ts, r.event().ts);
    }

    @Test
    void deadLettersAreIgnored() {
        wm.onEvent(Envelope.dead(new DeadLetter("bad", "t", 0, 0, "x")), Long.MIN_VALUE, out);
        assertEquals(null, emit());
        assertEquals(0, wm.trackedHosts());
    }

    @Test
    void heartbeatsEndAtTheParseStepAndAreNoEvents() throws Exception {
        try (OneInputStreamOperatorTestHarness<Envelope, Event> h =
                     new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new SplitDeadLetters()))) {
            h.open();
            h.processElement(new StreamRecord<>(Envelope.of(Records.heartbeat("a", 1_000)), 1_000));
            h.processElement(new StreamRecord<>(Envelope.of(Records.fork("a", 0, 1, 900, 5, 1, "sh")), 900));
            h.processElement(new StreamRecord<>(Envelope.of(Records.heartbeat("a", 1_100)), 1_100));
            List<Event> events = new ArrayList<>();
            h.extractOutputValues().forEach(events::add);
            assertEquals(1, events.size());
            assertEquals("fork", events.get(0).type);
            assertTrue(h.getSideOutput(SplitDeadLetters.DEAD_LETTERS) == null
                    || h.getSideOutput(SplitDeadLetters.DEAD_LETTERS).isEmpty());
        }
    }
}
