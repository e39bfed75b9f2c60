package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An idle process holding 300 MB has that RSS in what the agent sends, every drain while it lives:
 * whether it started before the agent (an initial reading from /proc) or allocated under it (read
 * by the kernel side at its switch-out), and although its RSS never changes afterwards.
 */
class CompleteMemoryIT {
    private static final long MB = 1 << 20;
    /**
     * How far the mm's counters (percpu_counter count, which the kernel side reads) can be from their
     * exact sum, which /proc shows on newer kernels: a batch per CPU for each of file, anon and shmem.
     */
    private static final long COUNTER_SLACK = 3L * Runtime.getRuntime().availableProcessors()
            * Math.max(32, 2 * Runtime.getRuntime().availableProcessors()) * 4096;

    @Test
    void aProcessOlderThanTheAgentHasItsRssFromTheStart() throws Exception {
        try (Workload w = Workload.start("alloc", "300")) {
            w.go(); // 300 MB touched, now asleep: it will not run while the agent watches
            long procRss = ResourceUsageIT.procRssBytes(w.pid());
            TracedRun run = TracedRun.attach(w, s -> { });
            try {
                for (int drain = 0; drain < 4; drain++) {
                    run.agent().sync();
                    Event last = lastSample(run, w.pid());
                    assertNotNull(last, "no memory record for the idle process after drain " + drain);
                    assertEquals(300 * MB, last.getLong(Fields.RSS_BYTES), 300 * MB * 0.05, "drain " + drain);
                    assertEquals(procRss, last.getLong(Fields.RSS_BYTES), COUNTER_SLACK);
                }
                List<Event> samples = samples(run, w.pid());
                assertEquals(Boolean.TRUE, samples.get(0).get(Fields.INITIAL), "read from /proc at start: " + samples.get(0));
                // It also says who the process is, as /proc does: parent, binary, command line, start.
                Event first = samples.get(0);
                java.nio.file.Path proc = java.nio.file.Path.of("/proc", Integer.toString(w.pid()));
                String stat = java.nio.file.Files.readString(proc.resolve("stat"));
                long ppid = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
                assertEquals(ppid, first.getLong(Fields.PPID));
                assertEquals(java.nio.file.Files.readSymbolicLink(proc.resolve("exe")).toString(), first.get(Fields.FILENAME));
                String cmdline = new String(java.nio.file.Files.readAllBytes(proc.resolve("cmdline")),
                        java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(List.of(cmdline.split("\0")), first.get(Fields.ARGV));
                long start = first.getLong(Fields.START_TS);
                assertTrue(start <= first.tsNs() && start > first.tsNs() - 600_000_000_000L,
                        "started before the agent's first drain: " + start + " vs " + first.tsNs());
                assertTrue(samples.get(0).getLong(Fields.RSS_MAX_BYTES) >= samples.get(0).getLong(Fields.RSS_BYTES));
                assertEquals(1, samples.size(), "its RSS did not change: one record, not one per drain: " + samples);
                run.finishAndDrain();
            } finally {
                run.close();
            }
        }
    }

    @Test
    void aProcessThatAllocatesUnderTheAgentAndSleepsKeepsItsRss() throws Exception {
        try (Workload w = Workload.start("alloc", "300")) {
            TracedRun run = TracedRun.attach(w, s -> { });
            try {
                w.go();
                long procRss = ResourceUsageIT.procRssBytes(w.pid());
                for (int drain = 0; drain < 4; drain++) {
                    run.agent().sync();
                    Event last = lastSample(run, w.pid());
                    assertNotNull(last, "no memory record after drain " + drain);
                    assertEquals(300 * MB, last.getLong(Fields.RSS_BYTES), 300 * MB * 0.05, "drain " + drain);
                    assertEquals(procRss, last.getLong(Fields.RSS_BYTES), COUNTER_SLACK);
                }
                long faults = samples(run, w.pid()).stream().mapToLong(e -> e.getLong(Fields.PAGE_FAULTS)).sum();
                assertTrue(faults >= 300 * MB / 4096, "page faults " + faults + " for 300 MB touched");
                run.finishAndDrain();
            } finally {
                run.close();
            }
        }
    }

    private static List<Event> samples(TracedRun run, int pid) {
        return run.events(EventType.MEMORY).stream()
                .filter(e -> e.pid() == pid && "sample".equals(e.getString(Fields.EVENT))).toList();
    }

    private static Event lastSample(TracedRun run, int pid) {
        List<Event> s = samples(run, pid);
        return s.isEmpty() ? null : s.get(s.size() - 1);
    }
}
