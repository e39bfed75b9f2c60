package io.akmon.agent.ringbuf;

import io.akmon.agent.Agent;
import io.akmon.agent.AgentSettings;
import io.akmon.agent.event.Event;
import io.akmon.agent.publish.EventSink;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real kernel, real agent: what the reader takes from the kernel is flushed to the sink at the end of
 * each poll round, not at the next drain. The kernel has let go of those records, so a SIGKILL between
 * the two would lose records the sink had taken (in the Kafka sink: the spool's write buffer).
 */
class ReaderFlushIT {
    /** Records, at each flush, how many kernel records (fork, exec, exit) it had taken by then. */
    private static final class FlushRecording implements EventSink {
        private long kernelRecords;
        private final List<Long> flushedAt = new ArrayList<>();

        @Override
        public synchronized void accept(Event event) {
            EventType t = event.type();
            if (t == EventType.FORK || t == EventType.EXEC || t == EventType.EXIT) {
                kernelRecords++;
            }
        }

        @Override
        public synchronized void flush() {
            flushedAt.add(kernelRecords);
        }

        synchronized long kernelRecords() {
            return kernelRecords;
        }

        synchronized long lastFlushAt() {
            return flushedAt.isEmpty() ? -1 : flushedAt.get(flushedAt.size() - 1);
        }
    }

    @Test
    void recordsTheReaderTookAreFlushedInTheirPollRoundLongBeforeTheNextDrain() throws Exception {
        int children = 5;
        FlushRecording sink = new FlushRecording();
        try (Workload spawner = Workload.start("spawn", Integer.toString(children), "0")) {
            AgentSettings s = TracedRun.settingsFor(spawner.pid());
            s.intervalMs = 600_000; // no drain within this test: only the reader's rounds flush
            Agent agent = Agent.start(s, sink, System.err);
            try {
                spawner.go();
                long deadline = System.nanoTime() + 10_000_000_000L;
                // each child: a fork, an exec and an exit record at least
                while (System.nanoTime() < deadline && (sink.kernelRecords() < 3L * children || sink.lastFlushAt() < sink.kernelRecords())) {
                    Thread.sleep(20);
                }
                assertTrue(sink.kernelRecords() >= 3L * children, "the kernel's records reached the sink: " + sink.kernelRecords());
                assertTrue(sink.lastFlushAt() >= sink.kernelRecords(),
                        "flushed after the last of them, with no drain (last flush after " + sink.lastFlushAt() + " of "
                                + sink.kernelRecords() + " records)");
            } finally {
                agent.close();
            }
        }
    }
}
