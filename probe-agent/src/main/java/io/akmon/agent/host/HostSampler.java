package io.akmon.agent.host;

import io.akmon.agent.drain.AgentStream;
import io.akmon.agent.drain.DrainSource;
import io.akmon.agent.event.Event;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.util.List;
import java.util.function.LongFunction;

/**
 * One {@code host} record per drain: CPU time by /proc/stat category since the previous drain, and
 * memory from /proc/meminfo. Host CPU is what the kernel accounted, not the sum of traced tasks:
 * kernel threads, interrupts, steal and processes outside a filter are in it.
 */
public final class HostSampler implements DrainSource {
    private final AgentStream stream;
    private HostStat.Cpu last;

    public HostSampler(AgentStream stream) {
        this.stream = stream;
        this.last = HostStat.cpu();
    }

    @Override
    public void drain(List<LongFunction<Event>> drafts, long ts, long interval) {
        String stat = HostStat.read("/proc/stat");
        HostStat.Cpu now = HostStat.parseCpu(stat);
        HostStat.Cpu d = now.minus(last);
        last = now;
        int cpus = HostStat.cpusOnline(stat);
        HostStat.Memory m = HostStat.memory();
        drafts.add(record(stream, ts, interval, d, cpus, m));
    }

    /** The record of one drain's figures (also for fixture figures). */
    public static LongFunction<Event> record(AgentStream stream, long ts, long interval, HostStat.Cpu d, int cpus, HostStat.Memory m) {
        double pct = Math.round(d.busy() * 10000.0 / interval) / 100.0;
        return seq -> stream.event(EventType.HOST, seq, ts, 0, null)
                .put(Fields.CPU_BUSY_NS, d.busy())
                .put(Fields.CPU_PCT, pct)
                .put(Fields.CPU_USER_NS, d.user())
                .put(Fields.CPU_NICE_NS, d.nice())
                .put(Fields.CPU_SYSTEM_NS, d.system())
                .put(Fields.CPU_IRQ_NS, d.irq())
                .put(Fields.CPU_SOFTIRQ_NS, d.softirq())
                .put(Fields.CPU_STEAL_NS, d.steal())
                .put(Fields.CPU_IDLE_NS, d.idle())
                .put(Fields.CPU_IOWAIT_NS, d.iowait())
                .put(Fields.CPUS, cpus)
                .put(Fields.MEM_TOTAL_BYTES, m.total())
                .put(Fields.MEM_AVAILABLE_BYTES, m.available())
                .put(Fields.MEM_USED_BYTES, m.used())
                .put(Fields.INTERVAL_NS, interval);
    }
}
