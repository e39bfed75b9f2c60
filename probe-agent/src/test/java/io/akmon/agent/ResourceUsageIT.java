package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CPU time and resident memory agree with what the kernel reports in /proc for the same process. */
class ResourceUsageIT {
    private static final long CLK_TCK = 100;

    @Test
    void cpuTimeOfABusyProcessAgreesWithProcStat() throws Exception {
        try (Workload w = Workload.start("burn", "2000")) {
            TracedRun run = TracedRun.attach(w, s -> { });
            try {
                w.go(); // burned 2 s, now asleep waiting for stdin: /proc is final for the burn
                long procNs = procCpuNs(w.pid());
                run.agent().sync();
                run.agent().sync();
                long agentNs = run.events(EventType.CPU).stream().filter(e -> e.pid() == w.pid())
                        .mapToLong(e -> e.getLong(Fields.ON_CPU_NS)).sum();
                double error = Math.abs(agentNs - procNs) / (double) procNs;
                assertTrue(procNs >= 1_900_000_000L, "the workload burned " + procNs + " ns; agent saw " + agentNs);
                assertTrue(error <= 0.02, "agent " + agentNs + " ns vs /proc " + procNs + " ns: " + error * 100 + "% apart");
                List<Event> cpu = run.events(EventType.CPU).stream().filter(e -> e.pid() == w.pid()).toList();
                for (Event e : cpu) {
                    assertTrue(e.getLong(Fields.ON_CPU_NS) <= e.getLong(Fields.INTERVAL_NS) * Runtime.getRuntime().availableProcessors());
                }
                run.finishAndDrain();
            } finally {
                run.close();
            }
        }
    }

    @Test
    void residentMemoryAgreesWithProcStatus() throws Exception {
        try (Workload w = Workload.start("alloc", "64")) {
            TracedRun run = TracedRun.attach(w, s -> { });
            try {
                w.go();
                long procRss = procRssBytes(w.pid());
                run.agent().sync();
                run.agent().sync();
                List<Event> samples = run.events(EventType.MEMORY).stream()
                        .filter(e -> e.pid() == w.pid() && "sample".equals(e.getString(Fields.EVENT))).toList();
                Event last = samples.get(samples.size() - 1);
                long rss = last.getLong(Fields.RSS_BYTES);
                assertTrue(procRss > 64L << 20, "the workload holds " + procRss);
                // the same counters /proc reads; per-CPU counter batching allows a few pages either way
                assertEquals(procRss, rss, 64 * 4096, "agent RSS " + rss + " vs /proc " + procRss);
                assertTrue(last.getLong(Fields.RSS_MAX_BYTES) >= rss);
                long faults = samples.stream().mapToLong(e -> e.getLong(Fields.PAGE_FAULTS)).sum();
                assertTrue(faults >= (64L << 20) / 4096, "page faults " + faults + " for 64 MiB touched");
                run.finishAndDrain();
            } finally {
                run.close();
            }
        }
    }

    @Test
    void perProcessStateDrainsToZeroAfterTheProcessesExit() {
        try (Workload w = Workload.start("spawn", "10", "0")) {
            TracedRun run = TracedRun.of(w);
            try {
                for (int i = 0; i < 4; i++) { // exited processes are forgotten two drains after their exit
                    run.agent().sync();
                }
                assertEquals(0, run.agent().trackedState(), "per-process entries left after every traced process exited");
                assertEquals(0, run.agent().kernelProcessEntries(), "kernel map entries left after every traced process exited");
            } finally {
                run.close();
            }
        }
    }

    static long procCpuNs(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        return ticks * (1_000_000_000L / CLK_TCK);
    }

    static long procRssBytes(int pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
