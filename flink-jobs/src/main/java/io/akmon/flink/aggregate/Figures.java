package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;

import java.util.HashMap;
import java.util.Map;

/**
 * The running sums of one key (a process or a host) in one window. Every field is a sum, a max or a
 * "latest by (event time, seq)", so the result does not depend on arrival order: replays, restarts and
 * parallel reads give the same figures.
 */
public class Figures {
    public static final int HIST_BUCKETS = 32;

    /**
     * Whether these are a host's figures. Per record a host tracks its sequence streams; its per-process
     * figures ({@link #pidsSeen}, {@link #pidsStarted}, {@link #pidsExited}, {@link #rssByPid}) are kept
     * apart in the window's state ({@link HostProcesses}) and filled in when the window fires, so that a
     * record's cost does not grow with the processes on its host.
     */
    public boolean hostLevel;
    public long records;
    public String comm;
    public long commTs = Long.MIN_VALUE;

    public long onCpuNs;

    /** pid -> {ts, seq, rss_bytes}: the latest memory sample of each process (hosts: see {@link #hostLevel}). */
    public Map<Integer, long[]> rssByPid = new HashMap<>();
    public long rssMaxBytes;
    public long pageFaults;
    public long oomKills;

    /** syscall name -> {count, errors}. */
    public Map<String, long[]> syscalls = new HashMap<>();

    public long diskReadBytes;
    public long diskWriteBytes;
    public long diskReadOps;
    public long diskWriteOps;
    public long diskLatencyNsSum;
    public long[] diskLatencyHistUs = new long[HIST_BUCKETS];

    public long netBytesSent;
    public long netBytesReceived;
    public long netRetransmits;
    public long connectionsOpened;
    public long connectionsClosed;

    public long forks;
    public long execs;
    public long exits;
    public Map<String, Long> exitsByCode = new HashMap<>();
    public Map<String, Long> exitsBySignal = new HashMap<>();
    public long lifetimeNsSum;
    public long lifetimeNsMax;
    /** The exit of this process (process level): {ts, exit_code, signal, core_dumped, lifetime_ns}. */
    public long[] exit;

    /** Host level, filled when the window fires: pid -> latest event time (ms) seen in the window. */
    public Map<Integer, Long> pidsSeen = new HashMap<>();
    /** Host level, filled when the window fires: pid -> latest event time (ms) of its fork or exec. */
    public Map<Integer, Long> pidsStarted = new HashMap<>();
    /** Host level, filled when the window fires: pid -> event time (ms) of its exit in the window. */
    public Map<Integer, Long> pidsExited = new HashMap<>();
    /** Host level: sequence stream -> {records, min seq, max seq}. */
    public Map<String, long[]> streams = new HashMap<>();
    /** Losses the agent reported outside the sequence numbers (map overflows, decode errors). */
    public long reportedLost;

    public Figures() {
    }

    public Figures(boolean hostLevel) {
        this.hostLevel = hostLevel;
    }

    public void add(Event e) {
        records++;
        if (e.comm != null && e.ts >= commTs) {
            comm = e.comm;
            commTs = e.ts;
        }
        if (hostLevel) {
            streams.merge(e.streamKey(), new long[] {1, e.seq, e.seq}, Figures::mergeStream);
        }
        switch (e.type) {
            case "fork", "exec" -> {
                if ("fork".equals(e.type)) {
                    forks++;
                } else {
                    execs++;
                }
            }
            case "exit" -> {
                exits++;
                exitsByCode.merge(Integer.toString(e.exitCode), 1L, Long::sum);
                if (e.signal != 0) {
                    exitsBySignal.merge(Integer.toString(e.signal), 1L, Long::sum);
                }
                lifetimeNsSum += e.lifetimeNs;
                lifetimeNsMax = Math.max(lifetimeNsMax, e.lifetimeNs);
                if (exit == null || e.ts >= exit[0]) {
                    exit = new long[] {e.ts, e.exitCode, e.signal, e.coreDumped ? 1 : 0, e.lifetimeNs};
                }
            }
            case "syscall" -> syscalls.merge(e.syscall, new long[] {e.count, e.errors}, Figures::sum2);
            case "cpu" -> onCpuNs += e.onCpuNs;
            case "memory" -> {
                if ("oom_kill".equals(e.event)) {
                    oomKills++;
                } else {
                    pageFaults += e.pageFaults;
                    rssMaxBytes = Math.max(rssMaxBytes, Math.max(e.rssMaxBytes, e.rssBytes));
                    if (!hostLevel) {
                        rssByPid.merge(e.pid, new long[] {e.ts, e.seq, e.rssBytes}, Figures::latest);
                    }
                }
            }
            case "disk" -> {
                if ("read".equals(e.op)) {
                    diskReadBytes += e.bytes;
                    diskReadOps += e.ops;
                } else {
                    diskWriteBytes += e.bytes;
                    diskWriteOps += e.ops;
                }
                diskLatencyNsSum += e.latencyNsSum;
                addHistogram(diskLatencyHistUs, e.latencyHistUs);
            }
            case "net" -> {
                switch (e.event) {
                    case "connect", "accept" -> connectionsOpened++;
                    case "close" -> connectionsClosed++;
                    default -> { }
                }
                netBytesSent += e.bytesSent;
                netBytesReceived += e.bytesReceived;
                netRetransmits += e.retransmits;
            }
            case "lost" -> {
                // "output" losses are the sequence gaps themselves; counting them again would double them.
                if (!"output".equals(e.source)) {
                    reportedLost += e.lost;
                }
            }
            default -> { }
        }
    }

    public Figures merge(Figures o) {
        records += o.records;
        if (o.comm != null && o.commTs >= commTs) {
            comm = o.comm;
            commTs = o.commTs;
        }
        onCpuNs += o.onCpuNs;
        o.rssByPid.forEach((k, v) -> rssByPid.merge(k, v, Figures::latest));
        rssMaxBytes = Math.max(rssMaxBytes, o.rssMaxBytes);
        pageFaults += o.pageFaults;
        oomKills += o.oomKills;
        o.syscalls.forEach((k, v) -> syscalls.merge(k, v.clone(), Figures::sum2));
        diskReadBytes += o.diskReadBytes;
        diskWriteBytes += o.diskWriteBytes;
        diskReadOps += o.diskReadOps;
        diskWriteOps += o.diskWriteOps;
        diskLatencyNsSum += o.diskLatencyNsSum;
        addHistogram(diskLatencyHistUs, o.diskLatencyHistUs);
        netBytesSent += o.netBytesSent;
        netBytesReceived += o.netBytesReceived;
        netRetransmits += o.netRetransmits;
        connectionsOpened += o.connectionsOpened;
        connectionsClosed += o.connectionsClosed;
        forks += o.forks;
        execs += o.execs;
        exits += o.exits;
        o.exitsByCode.forEach((k, v) -> exitsByCode.merge(k, v, Long::sum));
        o.exitsBySignal.forEach((k, v) -> exitsBySignal.merge(k, v, Long::sum));
        lifetimeNsSum += o.lifetimeNsSum;
        lifetimeNsMax = Math.max(lifetimeNsMax, o.lifetimeNsMax);
        if (o.exit != null && (exit == null || o.exit[0] >= exit[0])) {
            exit = o.exit;
        }
        o.pidsSeen.forEach((k, v) -> pidsSeen.merge(k, v, Math::max));
        o.pidsStarted.forEach((k, v) -> pidsStarted.merge(k, v, Math::max));
        o.pidsExited.forEach((k, v) -> pidsExited.merge(k, v, Math::max));
        o.streams.forEach((k, v) -> streams.merge(k, v.clone(), Figures::mergeStream));
        reportedLost += o.reportedLost;
        return this;
    }

    /** Sum of the latest RSS sample of every process. */
    public long rssBytes() {
        long sum = 0;
        for (long[] v : rssByPid.values()) {
            sum += v[2];
        }
        return sum;
    }

    public long syscallCount() {
        long n = 0;
        for (long[] v : syscalls.values()) {
            n += v[0];
        }
        return n;
    }

    public long syscallErrors() {
        long n = 0;
        for (long[] v : syscalls.values()) {
            n += v[1];
        }
        return n;
    }

    static void addHistogram(long[] into, long[] from) {
        if (from == null) {
            return;
        }
        for (int i = 0; i < Math.min(into.length, from.length); i++) {
            into[i] += from[i];
        }
    }

    private static long[] sum2(long[] a, long[] b) {
        return new long[] {a[0] + b[0], a[1] + b[1]};
    }

    /** The later of two {ts, seq, ...} samples: by event time, then by seq. */
    static long[] latest(long[] a, long[] b) {
        if (b[0] > a[0] || (b[0] == a[0] && b[1] >= a[1])) {
            return b;
        }
        return a;
    }

    private static long[] mergeStream(long[] a, long[] b) {
        return new long[] {a[0] + b[0], Math.min(a[1], b[1]), Math.max(a[2], b[2])};
    }
}
