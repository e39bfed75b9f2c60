package io.akmon.agent.ringbuf;

import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.logging.LogThrottle;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PollLoopTest {
    /** Answers polls from a script; counts consumes. */
    private static final class Scripted implements PollLoop.Transport {
        final ArrayDeque<Integer> answers = new ArrayDeque<>();
        int consumes;
        int roundsEnded;

        Scripted(Integer... rcs) {
            answers.addAll(List.of(rcs));
        }

        @Override
        public int poll(int timeoutMs) {
            return answers.isEmpty() ? 0 : answers.poll();
        }

        @Override
        public void consume() {
            consumes++;
        }

        @Override
        public void roundEnded() {
            roundsEnded++;
        }
    }

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final AgentLog log = AgentLog.to(new PrintStream(logged, true, StandardCharsets.UTF_8), "test");
    private final List<Long> sleeps = new ArrayList<>();
    private long now;

    private PollLoop loop(PollLoop.Transport t) {
        return new PollLoop("perfbuf", t, 50, log, new LogThrottle(30, TimeUnit.SECONDS, () -> now), sleeps::add);
    }

    @Test
    void aTimeoutReadsThePartialBatchAndEveryRoundCounts() {
        Scripted t = new Scripted(0, 5, 0);
        PollLoop l = loop(t);
        for (int i = 0; i < 3; i++) {
            assertTrue(l.round());
        }
        assertEquals(2, t.consumes, "only after the timeouts");
        assertEquals(3, l.rounds());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void pollErrorsBackOffAndAreLoggedOncePerEpisode() {
        Scripted t = new Scripted(-9, -9, -9, -4, 3, -9);
        PollLoop l = loop(t);
        for (int i = 0; i < 6; i++) {
            assertTrue(l.round());
        }
        assertEquals(List.of(100L, 100L, 100L, 100L), sleeps, "each EBADF backs off; EINTR does not");
        assertEquals(4, l.failures());
        String[] lines = logged.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, "once, then again after the transport recovered: " + logged);
        assertTrue(lines[0].startsWith("akmon: error: perfbuf poll failed: ") && lines[0].contains("errno 9"), lines[0]);
    }

    @Test
    void anInterruptDuringBackoffEndsTheLoop() {
        PollLoop l = new PollLoop("ringbuf", new Scripted(-22), 10, log, new LogThrottle(30, TimeUnit.SECONDS), ms -> {
            throw new InterruptedException();
        });
        assertFalse(l.round());
        assertTrue(Thread.interrupted());
    }

    @Test
    void aRoundThatReadEndsOnceAndAFailedPollDoesNot() {
        Scripted t = new Scripted(3, 0, -22, -PollLoop.EINTR, 1);
        PollLoop l = loop(t);
        for (int i = 0; i < 5; i++) {
            assertTrue(l.round());
        }
        assertEquals(3, t.roundsEnded, "the rounds that polled: records, a timeout, records; not the failure or the interrupt");
    }
}
