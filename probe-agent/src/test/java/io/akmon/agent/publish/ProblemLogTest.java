package io.akmon.agent.publish;

import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.logging.LogThrottle;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProblemLogTest {
    private long now = 0;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ProblemLog log = new ProblemLog(AgentLog.to(new PrintStream(out, true, StandardCharsets.UTF_8), "kafka"),
            new LogThrottle(30, TimeUnit.SECONDS, () -> now));

    private String lines() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aRepeatingProblemIsWrittenOncePerIntervalAndANewEpisodeAtOnce() {
        log.problem("kafka away");
        log.problem("kafka away");
        assertEquals("akmon: error: kafka away\n", lines());
        now += TimeUnit.SECONDS.toNanos(31);
        log.problem("still away");
        log.newEpisode();
        log.problem("away again");
        assertEquals("akmon: error: kafka away\nakmon: error: still away\nakmon: error: away again\n", lines());
    }

    @Test
    void notesAndWarningsAreNotThrottled() {
        log.note("back");
        log.note("back");
        log.warn("w");
        assertEquals("akmon: kafka: back\nakmon: kafka: back\nakmon: warning: w\n", lines());
    }

    @Test
    void anExceptionIsOneLine() {
        assertEquals("IllegalStateException: no", ProblemLog.describe(new IllegalStateException("no")));
        assertEquals("RuntimeException", ProblemLog.describe(new RuntimeException()));
        assertEquals("unknown error", ProblemLog.describe(null));
    }
}
