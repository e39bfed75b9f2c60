package io.akmon.agent.publish;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InFlightWindowTest {
    private final List<Long> delivered = new ArrayList<>();
    private final List<Long> rejected = new ArrayList<>();
    private final InFlightWindow.Answers answers = new InFlightWindow.Answers() {
        @Override
        public void rejected(InFlightWindow.Entry e) {
            rejected.add(e.index);
        }

        @Override
        public void delivered(InFlightWindow.Entry e) {
            delivered.add(e.index);
        }
    };

    @Test
    void acknowledgesOnlyTheAnsweredPrefix() {
        InFlightWindow w = new InFlightWindow();
        InFlightWindow.Entry a = w.add(10, 0, 100, 164);
        InFlightWindow.Entry b = w.add(11, 0, 100, 164);
        InFlightWindow.Entry c = w.add(12, 0, 100, 164);
        assertEquals(3 * 164, w.bufferBytes());
        b.succeed();
        c.reject(new RuntimeException("too large"));
        assertEquals(-1, w.releaseAnswered(answers), "the head still waits");
        a.succeed();
        assertEquals(13, w.releaseAnswered(answers));
        assertEquals(List.of(10L, 11L), delivered);
        assertEquals(List.of(12L), rejected);
        assertTrue(w.isEmpty());
        assertEquals(0, w.bufferBytes());
    }

    @Test
    void aFailureResendsFromTheFirstUnansweredAndSkipsWhatArrivedMeanwhile() {
        InFlightWindow w = new InFlightWindow();
        List<InFlightWindow.Entry> e = new ArrayList<>();
        for (long i = 0; i < 5; i++) {
            e.add(w.add(i, 1, 10, 74));
        }
        e.get(0).succeed();
        e.get(1).fail(new RuntimeException("broker gone"));
        e.get(2).succeed();
        e.get(3).reject(new RuntimeException("too large"));
        // e4 never answered
        assertEquals(1, w.releaseAnswered(answers));
        assertTrue(w.headFailed());
        assertEquals("broker gone", w.firstFailure().getMessage());
        List<Long> rejectedAtRecovery = new ArrayList<>();
        InFlightWindow.Recovery r = w.recover(f -> rejectedAtRecovery.add(f.index));
        assertEquals(new InFlightWindow.Recovery(-1, 1), r);
        assertEquals(List.of(3L), rejectedAtRecovery);
        assertEquals(2, w.rememberedDelivered());
        assertTrue(w.isEmpty());

        // the spool is read again from 1: 2 and 3 were answered already, 1 and 4 go out again
        InFlightWindow.Entry again1 = w.add(1, 1, 10, 74);
        assertNull(w.add(2, 1, 10, 74));
        assertNull(w.add(3, 1, 10, 74));
        InFlightWindow.Entry again4 = w.add(4, 1, 10, 74);
        assertEquals(2 * 74, w.bufferBytes());
        again1.succeed();
        again4.succeed();
        delivered.clear();
        assertEquals(5, w.releaseAnswered(answers));
        assertEquals(List.of(1L, 4L), delivered, "skipped records are not counted twice");
        assertEquals(0, w.rememberedDelivered());
    }

    @Test
    void recoveryAcknowledgesAnAnsweredPrefix() {
        InFlightWindow w = new InFlightWindow();
        InFlightWindow.Entry a = w.add(7, 0, 1, 65);
        InFlightWindow.Entry b = w.add(8, 0, 1, 65);
        a.succeed();
        b.fail(new RuntimeException("x"));
        assertEquals(new InFlightWindow.Recovery(8, 8), w.recover(f -> { }));
    }

    @Test
    void gapsOfDamagedRecordsLetTheAcknowledgedPositionPass() {
        InFlightWindow w = new InFlightWindow();
        w.addGap(41);
        assertEquals(42, w.releaseAnswered(answers));
        assertEquals(List.of(), delivered);
    }

    @Test
    void pendingRecordsFailWhenTheProducerGoes() {
        InFlightWindow w = new InFlightWindow();
        InFlightWindow.Entry a = w.add(0, 0, 1, 65);
        RuntimeException why = new RuntimeException("closed");
        w.failPending(why);
        assertSame(why, a.error);
        assertTrue(w.headFailed());
    }
}
