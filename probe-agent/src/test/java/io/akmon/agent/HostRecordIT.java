package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostStat;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host record's CPU busy time is the kernel's (/proc/stat) over the same interval, whatever the
 * agent traces: at idle, with one core busy and with both cores busy; its used memory is /proc/meminfo's.
 */
class HostRecordIT {
    private static final long TICK_NS = 10_000_000L;

    @Test
    void hostCpuBusyEqualsProcStatAtIdleOneCoreAndAllCores() throws Exception {
        // the agent traces only an idle workload: host figures must not depend on what is traced
        try (Workload idle = Workload.start("burn", "0")) {
            TracedRun run = TracedRun.attach(idle, s -> s.intervalMs = 600_000); // only the drains this test asks for
            try {
                int cores = Runtime.getRuntime().availableProcessors();
                check(run, "idle", 0, () -> sleep(2000));
                check(run, "one core busy", 1, () -> burn(1, 2000));
                check(run, "all cores busy", cores, () -> burn(cores, 2000));

                run.agent().sync();
                HostStat.Memory proc = HostStat.memory();
                List<Event> hosts = run.events(EventType.HOST);
                Event last = hosts.get(hosts.size() - 1);
                assertEquals(proc.total(), last.getLong(Fields.MEM_TOTAL_BYTES));
                long used = last.getLong(Fields.MEM_USED_BYTES);
                assertEquals(proc.used(), used, proc.used() * 0.05, "host used memory vs /proc/meminfo");
                assertEquals(last.getLong(Fields.MEM_TOTAL_BYTES) - last.getLong(Fields.MEM_AVAILABLE_BYTES), used);
                assertEquals(cores, last.getLong(Fields.CPUS));
                assertEquals(0, last.pid());
                idle.go();
                run.finishAndDrain();
            } finally {
                run.close();
            }
        }
    }

    /**
     * Sums the host records of the drains after drain A up to drain B and compares them with
     * /proc/stat read right before and right after each of the two drains: the agent's reading lies
     * between those, so its busy time must lie between the narrowest and the widest interval they
     * bound (give or take one clock tick per CPU, the counters' resolution). It must also be within
     * 2% of the middle of the two, unless the drains themselves took longer than that to schedule
     * (the bracket is then wider than 2%, and printed).
     */
    private static void check(TracedRun run, String what, int busyCores, Runnable load) {
        HostStat.Cpu a1 = HostStat.cpu();
        run.agent().sync();
        HostStat.Cpu a2 = HostStat.cpu();
        int from = run.events(EventType.HOST).size();
        load.run();
        HostStat.Cpu b1 = HostStat.cpu();
        run.agent().sync();
        HostStat.Cpu b2 = HostStat.cpu();
        List<Event> hosts = new ArrayList<>(run.events(EventType.HOST));
        List<Event> window = hosts.subList(from, hosts.size());
        assertTrue(!window.isEmpty(), what + ": no host record");
        long agentBusy = window.stream().mapToLong(e -> e.getLong(Fields.CPU_BUSY_NS)).sum();
        long agentInterval = window.stream().mapToLong(e -> e.getLong(Fields.INTERVAL_NS)).sum();
        long lo = b1.minus(a2).busy();
        long hi = b2.minus(a1).busy();
        long mid = (lo + hi) / 2;
        long tick = TICK_NS * Runtime.getRuntime().availableProcessors();
        System.out.printf("host cpu %s: agent %d ns, /proc/stat %d..%d ns over %d ms (%.2f%% from the middle, bracket %.2f%%)%n",
                what, agentBusy, lo, hi, agentInterval / 1_000_000, 100.0 * Math.abs(agentBusy - mid) / Math.max(1, mid),
                100.0 * (hi - lo) / Math.max(1, mid));
        assertTrue(agentBusy >= lo - tick && agentBusy <= hi + tick,
                what + ": host busy " + agentBusy + " outside what /proc/stat allows, " + lo + ".." + hi);
        assertEquals(mid, agentBusy, Math.max(mid * 0.02, (hi - lo) / 2.0 + tick), what + ": host busy vs /proc/stat");
        assertTrue(agentBusy >= busyCores * 2_000_000_000L * 0.9, what + ": " + busyCores + " cores burned 2 s; host busy " + agentBusy);
        for (Event e : window) {
            long parts = e.getLong(Fields.CPU_USER_NS) + e.getLong(Fields.CPU_NICE_NS) + e.getLong(Fields.CPU_SYSTEM_NS)
                    + e.getLong(Fields.CPU_IRQ_NS) + e.getLong(Fields.CPU_SOFTIRQ_NS) + e.getLong(Fields.CPU_STEAL_NS);
            assertEquals(parts, e.getLong(Fields.CPU_BUSY_NS));
        }
    }

    private static void burn(int threads, long ms) {
        List<Workload> burners = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                burners.add(Workload.start("burn", Long.toString(ms)));
            }
            List<Thread> gos = new ArrayList<>();
            for (Workload w : burners) {
                Thread t = new Thread(w::go);
                t.start();
                gos.add(t);
            }
            for (Thread t : gos) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            burners.forEach(Workload::close);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
