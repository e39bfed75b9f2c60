package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.publish.EventSink;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the reader falls behind, the kernel drops records rather than wait, and says so exactly:
 * per CPU, the records reported lost equal the sequence numbers that never arrived.
 */
class LossAccountingIT {

    /** A destination that stalls the reader for a while, so the small buffer overflows. */
    static final class StallingSink implements EventSink {
        final List<Event> events = new ArrayList<>();
        private boolean stalled;

        @Override
        public synchronized void accept(Event e) {
            if (!stalled && e.cpu() >= 0) {
                stalled = true;
                try {
                    Thread.sleep(1500);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            events.add(e);
        }
    }

    @Test
    void ringBufferOverflowIsCountedToTheRecord() {
        assertLossIsExact(AgentSettings.Transport.RINGBUF);
    }

    @Test
    void perfBufferOverflowIsCountedToTheRecord() {
        assertLossIsExact(AgentSettings.Transport.PERF);
    }

    private static void assertLossIsExact(AgentSettings.Transport transport) {
        int children = 300;
        try (Workload w = Workload.start("spawn", Integer.toString(children), "0")) {
            AgentSettings s = TracedRun.settingsFor(w.pid());
            s.transport = transport;
            s.ringbufBytes = 4096;   // room for about three exec records
            s.perfPages = 1;
            StallingSink sink = new StallingSink();
            long[] attempted;
            try (Agent agent = Agent.start(s, sink, System.err)) {
                w.go();
                w.finish();
                agent.sync();
                agent.sync();
                attempted = agent.kernelSequences();
            }
            Map<Integer, Set<Long>> received = new HashMap<>();
            long lostReported = 0;
            Map<Integer, Long> lostByCpu = new HashMap<>();
            synchronized (sink) {
                for (Event e : sink.events) {
                    if (e.cpu() >= 0) {
                        assertTrue(received.computeIfAbsent(e.cpu(), c -> new HashSet<>()).add(e.seq()), "duplicate " + e);
                    } else if (e.type() == EventType.LOST && "output".equals(e.getString(Fields.SOURCE))) {
                        long n = e.getLong(Fields.LOST);
                        lostReported += n;
                        lostByCpu.merge((int) e.getLong("source_cpu"), n, Long::sum);
                    }
                }
            }
            long missing = 0;
            for (int cpu = 0; cpu < attempted.length; cpu++) {
                long got = received.getOrDefault(cpu, Set.of()).size();
                long gap = attempted[cpu] - got;
                assertEquals(gap, (long) lostByCpu.getOrDefault(cpu, 0L), "cpu " + cpu + ": sequence gap vs reported loss");
                missing += gap;
            }
            assertTrue(missing > 0, "the test must overflow the buffer to mean anything");
            assertEquals(missing, lostReported);
            // 3 records per child (fork, exec, exit) plus the parent's exit: all accounted for
            long kernelRecords = received.values().stream().mapToLong(Set::size).sum() + lostReported;
            assertEquals(3L * children + 1, kernelRecords, "records attempted for the traced tree");
        }
    }
}
