package io.akmon.flink.fold;

import io.akmon.flink.ingest.Event;

import java.util.HashMap;
import java.util.Map;

/**
 * The running sums of one host in one window, over all its records: everything a host document needs
 * except what is kept per process ({@link ProcessFold}). Every field is a sum, a max or a map of sums,
 * so folding does not depend on arrival order and two partial folds merge into the fold of both.
 */
public final class Totals {
    public long records;
    public long onCpuNs;
    public long rssMaxBytes;
    public long pageFaults;
    public long oomKills;
    /** syscall name -> {count, errors}. */
    public Map<String, long[]> syscalls = new HashMap<>();
    public long diskReadBytes;
    public long diskWriteBytes;
    public long diskReadOps;
    public long diskWriteOps;
    public long netBytesSent;
    public long netBytesReceived;
    public long netRetransmits;
    public long connectionsOpened;
    public long connectionsClosed;
    /** UDP: {datagrams sent, bytes sent, datagrams received, bytes received}; null: none. */
    public long[] udp;
    /** Network interfaces by name: their counters in Fields.INTERFACE_COUNTERS order; null: none. */
    public Map<String, long[]> interfaces;
    public long forks;
    public long execs;
    public long exits;
    public Map<String, Long> exitsByCode = new HashMap<>();
    public Map<String, Long> exitsBySignal = new HashMap<>();
    public long lifetimeNsSum;
    public long lifetimeNsMax;
    /** Sequence stream (host/boot/cpu) -> {records, min seq, max seq}. */
    public Map<String, long[]> streams = new HashMap<>();
    /** Losses the agent reported outside the sequence numbers (map overflows, decode errors). */
    public long reportedLost;
    /** Host records: the kernel's busy CPU time (/proc/stat) and the interval it covers, summed. */
    public long hostRecords;
    public long cpuBusyNs;
    public long cpuIntervalNs;
    /** The latest host record's /proc/meminfo figures (by event time, then seq), and its time (ns). */
    public long memTs = Long.MIN_VALUE;
    public long memSeq;
    public long memTotalBytes;
    public long memAvailableBytes;
    public long memUsedBytes;

    /** Folds one record; {@code streamKey} is {@link Event#streamKey()}, computed once by the caller. */
    public void add(Event e, String streamKey) {
        records++;
        long[] s = streams.get(streamKey);
        if (s == null) {
            streams.put(streamKey, new long[] {1, e.seq, e.seq});
        } else {
            s[0]++;
            s[1] = Math.min(s[1], e.seq);
            s[2] = Math.max(s[2], e.seq);
        }
        switch (e.type) {
            case "fork" -> forks++;
            case "exec" -> execs++;
            case "exit" -> {
                exits++;
                exitsByCode.merge(Integer.toString(e.exitCode), 1L, Long::sum);
                if (e.signal != 0) {
                    exitsBySignal.merge(Integer.toString(e.signal), 1L, Long::sum);
                }
                lifetimeNsSum += e.lifetimeNs;
                lifetimeNsMax = Math.max(lifetimeNsMax, e.lifetimeNs);
            }
            case "syscall" -> addSyscall(syscalls, e.syscall, e.count, e.errors);
            case "cpu" -> onCpuNs += e.onCpuNs;
            case "memory" -> {
                if ("oom_kill".equals(e.event)) {
                    oomKills++;
                } else {
                    pageFaults += e.pageFaults;
                    rssMaxBytes = Math.max(rssMaxBytes, Math.max(e.rssMaxBytes, e.rssBytes));
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
            }
            case "net" -> {
                if ("udp".equals(e.event)) {
                    udp = addUdp(udp, e.datagramsSent, e.bytesSent, e.datagramsReceived, e.bytesReceived);
                    break;
                }
                if (e.ifCounters != null) {
                    addInterface(e.device, e.ifCounters);
                    break;
                }
                switch (e.event) {
                    case "connect", "accept" -> connectionsOpened++;
                    case "close" -> connectionsClosed++;
                    default -> { }
                }
                netBytesSent += e.bytesSent;
                netBytesReceived += e.bytesReceived;
                netRetransmits += e.retransmits;
            }
            case "host" -> {
                hostRecords++;
                cpuBusyNs += e.cpuBusyNs;
                cpuIntervalNs += e.intervalNs;
                memory(e.ts, e.seq, e.memTotalBytes, e.memAvailableBytes, e.memUsedBytes);
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

    /** Adds another partial fold of the same host and window (or of a window inside this one). */
    public void merge(Totals o) {
        records += o.records;
        onCpuNs += o.onCpuNs;
        rssMaxBytes = Math.max(rssMaxBytes, o.rssMaxBytes);
        pageFaults += o.pageFaults;
        oomKills += o.oomKills;
        o.syscalls.forEach((k, v) -> addSyscall(syscalls, k, v[0], v[1]));
        diskReadBytes += o.diskReadBytes;
        diskWriteBytes += o.diskWriteBytes;
        diskReadOps += o.diskReadOps;
        diskWriteOps += o.diskWriteOps;
        netBytesSent += o.netBytesSent;
        netBytesReceived += o.netBytesReceived;
        netRetransmits += o.netRetransmits;
        connectionsOpened += o.connectionsOpened;
        connectionsClosed += o.connectionsClosed;
        if (o.udp != null) {
            udp = addUdp(udp, o.udp[0], o.udp[1], o.udp[2], o.udp[3]);
        }
        if (o.interfaces != null) {
            o.interfaces.forEach(this::addInterface);
        }
        forks += o.forks;
        execs += o.execs;
        exits += o.exits;
        o.exitsByCode.forEach((k, v) -> exitsByCode.merge(k, v, Long::sum));
        o.exitsBySignal.forEach((k, v) -> exitsBySignal.merge(k, v, Long::sum));
        lifetimeNsSum += o.lifetimeNsSum;
        lifetimeNsMax = Math.max(lifetimeNsMax, o.lifetimeNsMax);
        o.streams.forEach((k, v) -> {
            long[] s = streams.get(k);
            if (s == null) {
                streams.put(k, v.clone());
            } else {
                s[0] += v[0];
                s[1] = Math.min(s[1], v[1]);
                s[2] = Math.max(s[2], v[2]);
            }
        });
        reportedLost += o.reportedLost;
        hostRecords += o.hostRecords;
        cpuBusyNs += o.cpuBusyNs;
        cpuIntervalNs += o.cpuIntervalNs;
        if (o.hostRecords > 0) {
            memory(o.memTs, o.memSeq, o.memTotalBytes, o.memAvailableBytes, o.memUsedBytes);
        }
    }

    /** Keeps the latest memory reading; on a tie in time and seq the later arrival wins. */
    private void memory(long ts, long seq, long total, long available, long used) {
        if (ts > memTs || (ts == memTs && seq >= memSeq)) {
            memTs = ts;
            memSeq = seq;
            memTotalBytes = total;
            memAvailableBytes = available;
            memUsedBytes = used;
        }
    }

    static void addSyscall(Map<String, long[]> into, String name, long count, long errors) {
        long[] c = into.get(name);
        if (c == null) {
            into.put(name, new long[] {count, errors});
        } else {
            c[0] += count;
            c[1] += errors;
        }
    }

    /** Adds UDP figures to {datagrams sent, bytes sent, datagrams received, bytes received}, made on first use. */
    static long[] addUdp(long[] udp, long datagramsSent, long bytesSent, long datagramsReceived, long bytesReceived) {
        long[] u = udp != null ? udp : new long[4];
        u[0] += datagramsSent;
        u[1] += bytesSent;
        u[2] += datagramsReceived;
        u[3] += bytesReceived;
        return u;
    }

    private void addInterface(String name, long[] counters) {
        if (interfaces == null) {
            interfaces = new java.util.TreeMap<>();
        }
        long[] c = interfaces.computeIfAbsent(name, k -> new long[counters.length]);
        for (int i = 0; i < Math.min(c.length, counters.length); i++) {
            c[i] += counters[i];
        }
    }
}
