package io.akmon.flink.aggregate;

import io.akmon.flink.fold.Totals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Figures summed over many processes: a host's, or all hosts'. */
public abstract class TotalsAggregate extends Aggregate {
    public static final int TOP_SYSCALLS = 10;

    public long records;
    /** Records lost before reaching the job: sequence gaps plus losses the agent reported. */
    public long missing;
    /** Processes with at least one record in the window. */
    public long activeProcesses;
    /** Processes started and not yet exited at the end of the window (idle ones expire). */
    public long liveProcesses;

    /** On-CPU time of the traced tasks. */
    public long onCpuNs;
    public double cpuSeconds;
    /** Percent of one core: 200 = two cores busy for the whole window. */
    public double cpuPct;

    /**
     * The kernel's busy CPU time (/proc/stat user + nice + system + irq + softirq + steal) over the
     * interval the window's host records cover: every task, kernel threads and interrupts included.
     */
    public long cpuBusyNs;
    public long cpuIntervalNs;
    /** {@link #cpuBusyNs} as percent of one core over {@link #cpuIntervalNs}: 200 = two cores busy. */
    public double cpuBusyPct;
    /** /proc/meminfo at the window's latest host record: MemTotal, MemAvailable, MemTotal - MemAvailable. */
    public long memTotalBytes;
    public long memAvailableBytes;
    public long memUsedBytes;

    /** Sum of the current RSS of every live process: its latest sample, carried until it exits. */
    public long rssBytes;
    public long pageFaults;
    public long oomKills;

    public long syscallCount;
    public long syscallErrors;
    public List<SyscallCount> syscalls;
    public List<SyscallCount> topSyscalls;

    public long diskReadBytes;
    public long diskWriteBytes;
    public long diskReadOps;
    public long diskWriteOps;

    public long netBytesSent;
    public long netBytesReceived;
    public double netBytesSentPerSec;
    public double netBytesReceivedPerSec;
    public long netRetransmits;
    public long connectionsOpened;
    public long connectionsClosed;
    /** UDP datagrams and bytes (not in net_bytes_*, which are TCP's). */
    public long udpDatagramsSent;
    public long udpBytesSent;
    public long udpDatagramsReceived;
    public long udpBytesReceived;

    public long processStarts;
    public long execs;
    public long processExits;
    public Map<String, Long> exitsByCode;
    public Map<String, Long> exitsBySignal;
    public long lifetimeNsSum;
    public long lifetimeNsMax;
    public double lifetimeNsAvg;

    protected void fill(Totals f, long activeProcesses, long rssBytes, long missing, long liveProcesses) {
        this.records = f.records;
        this.missing = missing;
        this.activeProcesses = activeProcesses;
        this.liveProcesses = liveProcesses;
        this.onCpuNs = f.onCpuNs;
        this.cpuBusyNs = f.cpuBusyNs;
        this.cpuIntervalNs = f.cpuIntervalNs;
        this.cpuBusyPct = f.cpuIntervalNs == 0 ? 0 : f.cpuBusyNs * 100.0 / f.cpuIntervalNs;
        this.memTotalBytes = f.memTotalBytes;
        this.memAvailableBytes = f.memAvailableBytes;
        this.memUsedBytes = f.memUsedBytes;
        this.rssBytes = rssBytes;
        this.pageFaults = f.pageFaults;
        this.oomKills = f.oomKills;
        this.diskReadBytes = f.diskReadBytes;
        this.diskWriteBytes = f.diskWriteBytes;
        this.diskReadOps = f.diskReadOps;
        this.diskWriteOps = f.diskWriteOps;
        this.netBytesSent = f.netBytesSent;
        this.netBytesReceived = f.netBytesReceived;
        this.netRetransmits = f.netRetransmits;
        this.connectionsOpened = f.connectionsOpened;
        this.connectionsClosed = f.connectionsClosed;
        if (f.udp != null) {
            this.udpDatagramsSent = f.udp[0];
            this.udpBytesSent = f.udp[1];
            this.udpDatagramsReceived = f.udp[2];
            this.udpBytesReceived = f.udp[3];
        }
        this.processStarts = f.forks;
        this.execs = f.execs;
        this.processExits = f.exits;
        this.exitsByCode = new HashMap<>(f.exitsByCode);
        this.exitsBySignal = new HashMap<>(f.exitsBySignal);
        this.lifetimeNsSum = f.lifetimeNsSum;
        this.lifetimeNsMax = f.lifetimeNsMax;
        finish(f.syscalls);
    }

    /** Adds another host's totals (cluster roll-up). */
    protected void add(TotalsAggregate o, Map<String, long[]> syscallAcc) {
        records += o.records;
        missing += o.missing;
        activeProcesses += o.activeProcesses;
        liveProcesses += o.liveProcesses;
        onCpuNs += o.onCpuNs;
        cpuBusyNs += o.cpuBusyNs;
        cpuIntervalNs += o.cpuIntervalNs;
        cpuBusyPct += o.cpuBusyPct; // hosts' percents of one core add up
        memTotalBytes += o.memTotalBytes;
        memAvailableBytes += o.memAvailableBytes;
        memUsedBytes += o.memUsedBytes;
        rssBytes += o.rssBytes;
        pageFaults += o.pageFaults;
        oomKills += o.oomKills;
        diskReadBytes += o.diskReadBytes;
        diskWriteBytes += o.diskWriteBytes;
        diskReadOps += o.diskReadOps;
        diskWriteOps += o.diskWriteOps;
        netBytesSent += o.netBytesSent;
        netBytesReceived += o.netBytesReceived;
        netRetransmits += o.netRetransmits;
        connectionsOpened += o.connectionsOpened;
        udpDatagramsSent += o.udpDatagramsSent;
        udpBytesSent += o.udpBytesSent;
        udpDatagramsReceived += o.udpDatagramsReceived;
        udpBytesReceived += o.udpBytesReceived;
        connectionsClosed += o.connectionsClosed;
        processStarts += o.processStarts;
        execs += o.execs;
        processExits += o.processExits;
        if (exitsByCode == null) {
            exitsByCode = new HashMap<>();
            exitsBySignal = new HashMap<>();
        }
        o.exitsByCode.forEach((k, v) -> exitsByCode.merge(k, v, Long::sum));
        o.exitsBySignal.forEach((k, v) -> exitsBySignal.merge(k, v, Long::sum));
        lifetimeNsSum += o.lifetimeNsSum;
        lifetimeNsMax = Math.max(lifetimeNsMax, o.lifetimeNsMax);
        for (SyscallCount s : o.syscalls) {
            syscallAcc.merge(s.name, new long[] {s.count, s.errors},
                    (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
        }
    }

    /** Derived figures, once the sums are complete. */
    protected void finish(Map<String, long[]> syscallCounts) {
        List<SyscallCount> ranked = SyscallCount.ranked(syscallCounts);
        syscalls = ranked;
        topSyscalls = new ArrayList<>(ranked.subList(0, Math.min(TOP_SYSCALLS, ranked.size())));
        syscallCount = 0;
        syscallErrors = 0;
        for (SyscallCount s : ranked) {
            syscallCount += s.count;
            syscallErrors += s.errors;
        }
        cpuSeconds = onCpuNs / 1e9;
        cpuPct = cpuPercent(onCpuNs, windowEnd - timestamp);
        netBytesSentPerSec = perSecond(netBytesSent, windowSeconds());
        netBytesReceivedPerSec = perSecond(netBytesReceived, windowSeconds());
        lifetimeNsAvg = processExits == 0 ? 0 : (double) lifetimeNsSum / processExits;
        coverage = coverage(records, missing);
    }

    public static double coverage(long received, long missing) {
        return received + missing == 0 ? 1.0 : (double) received / (received + missing);
    }
}
