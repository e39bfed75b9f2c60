package io.akmon.flink.fold;

import io.akmon.flink.ingest.Event;

import java.util.HashMap;
import java.util.Map;

/**
 * One process (pid) of one host in one window: the figures of its process document, and what its
 * host's document needs per process (when it was last seen, started and exited, its latest memory
 * sample). Sums, maxima and "latest by (event time, seq)", so the fold is independent of arrival
 * order; on ties the later arrival wins, and {@link #merge} treats its argument as the later one.
 */
public final class ProcessFold {
    public static final int HIST_BUCKETS = 32;
    public static final int SEEN = 1;
    public static final int STARTED = 2;
    public static final int EXITED = 4;
    public static final int RSS = 8;
    public static final int EXIT = 16;
    /** A ppid is known (fork, exec, exit or an initial sample). */
    public static final int PARENT = 32;
    /** An exec (or an initial sample read from /proc) said what runs: exe, argv, uid. */
    public static final int IMAGE = 64;
    /** The process's start is known: its fork, or /proc's start time on an initial sample. */
    public static final int START = 128;

    /** Which of the optional figures are set (SEEN, STARTED, EXITED, RSS, EXIT). */
    public int flags;
    /** Latest event time (ms) of a process record, of a fork or exec, of an exit. */
    public long seenMs;
    public long startedMs;
    public long exitedMs;
    /** Latest memory sample: event time (ns), seq, bytes. */
    public long rssTs;
    public long rssSeq;
    public long rssBytes;

    /** Records about the process itself ({@link #isProcessRecord}); 0: no process document. */
    public long records;
    public String comm;
    public long commTs = Long.MIN_VALUE;
    public long onCpuNs;
    public long rssMaxBytes;
    public long pageFaults;
    public long oomKills;
    public Map<String, long[]> syscalls;
    public long diskReadBytes;
    public long diskWriteBytes;
    public long diskReadOps;
    public long diskWriteOps;
    public long[] diskLatencyHistUs;
    public long netBytesSent;
    public long netBytesReceived;
    public long netRetransmits;
    public long connectionsOpened;
    public long connectionsClosed;
    /** UDP: {datagrams sent, bytes sent, datagrams received, bytes received}; null: none. Not in netBytes*. */
    public long[] udp;
    /** File changes by op: {count, failed}. */
    public Map<String, long[]> fileOps;
    /** Bytes through descriptors by "kind/op" (file/read, pipe/write, ...): {ops, bytes}. */
    public Map<String, long[]> fileIo;
    public long forks;
    public long execs;
    /** The latest exit: event time (ns), code, signal, core dumped, lifetime. */
    public long exitTs;
    public int exitCode;
    public int exitSignal;
    public boolean coreDumped;
    public long lifetimeNs;

    /**
     * Fork records whose parent is this process (their pid is the child's): the children it forked in
     * the window. {@link #forks} counts the fork records of the process itself (1 in the window it was born).
     */
    public long childrenForked;
    /** The latest ppid (by event time, ns) of a fork, exec, exit or initial sample; ppid 0 says nothing. */
    public long parentTs;
    public int ppid;
    /** The latest exec's (or initial sample's) image: event time (ns), filename, argv, uid, from /proc. */
    public long imageTs;
    public String exe;
    public String[] argv;
    public String uid;
    public boolean imageFromProc;
    /** Start of the process, ns since the epoch (the latest fork, or /proc's start time). */
    public long startTs;

    /** Records about a process (not loss reports or agent health). */
    public static boolean isProcessRecord(Event e) {
        return e.pid > 0 && !e.type.equals("lost") && !e.type.equals("agent");
    }

    /** Whether a record says anything per process: if not, it needs no fold of its pid. */
    public static boolean concernsProcess(Event e) {
        return isProcessRecord(e) || "fork".equals(e.type) || "exec".equals(e.type) || "exit".equals(e.type)
                || ("memory".equals(e.type) && !"oom_kill".equals(e.event));
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    private void latestTime(int flag, long ms) {
        switch (flag) {
            case SEEN -> seenMs = has(SEEN) ? Math.max(seenMs, ms) : ms;
            case STARTED -> startedMs = has(STARTED) ? Math.max(startedMs, ms) : ms;
            default -> exitedMs = has(EXITED) ? Math.max(exitedMs, ms) : ms;
        }
        flags |= flag;
    }

    private void rssSample(long ts, long seq, long bytes) {
        if (!has(RSS) || ts > rssTs || (ts == rssTs && seq >= rssSeq)) {
            rssTs = ts;
            rssSeq = seq;
            rssBytes = bytes;
            flags |= RSS;
        }
    }

    private void exitRecord(long ts, int code, int signal, boolean core, long lifetime) {
        if (!has(EXIT) || ts >= exitTs) {
            exitTs = ts;
            exitCode = code;
            exitSignal = signal;
            coreDumped = core;
            lifetimeNs = lifetime;
            flags |= EXIT;
        }
    }

    public void add(Event e) {
        long ms = e.timestampMillis();
        boolean process = isProcessRecord(e);
        if (process) {
            latestTime(SEEN, ms);
        }
        switch (e.type) {
            case "fork", "exec" -> latestTime(STARTED, ms);
            case "exit" -> latestTime(EXITED, ms);
            case "memory" -> {
                if (!"oom_kill".equals(e.event)) {
                    rssSample(e.ts, e.seq, e.rssBytes);
                }
            }
            default -> { }
        }
        if (!process) {
            return;
        }
        records++;
        if (e.comm != null && e.ts >= commTs) {
            comm = e.comm;
            commTs = e.ts;
        }
        if (e.ppid > 0) {
            parent(e.ts, e.ppid);
        }
        switch (e.type) {
            case "fork" -> {
                forks++;
                start(e.ts);
            }
            case "exec" -> {
                execs++;
                image(e.ts, e.filename, e.argv, e.uid, false);
            }
            case "exit" -> exitRecord(e.ts, e.exitCode, e.signal, e.coreDumped, e.lifetimeNs);
            case "syscall" -> {
                if (syscalls == null) {
                    syscalls = new HashMap<>(4);
                }
                Totals.addSyscall(syscalls, e.syscall, e.count, e.errors);
            }
            case "cpu" -> onCpuNs += e.onCpuNs;
            case "file" -> {
                if (e.fdKind != null) {
                    if (fileIo == null) {
                        fileIo = new HashMap<>(4);
                    }
                    Totals.addSyscall(fileIo, e.fdKind + "/" + e.op, e.ops, e.bytes);
                    return;
                }
                if (fileOps == null) {
                    fileOps = new HashMap<>(4);
                }
                Totals.addSyscall(fileOps, e.op, 1, e.errno != 0 ? 1 : 0);
            }
            case "memory" -> {
                if ("oom_kill".equals(e.event)) {
                    oomKills++;
                } else {
                    pageFaults += e.pageFaults;
                    rssMaxBytes = Math.max(rssMaxBytes, Math.max(e.rssMaxBytes, e.rssBytes));
                    if (e.initial) {
                        if (e.startTs > 0) {
                            start(e.startTs);
                        }
                        if (e.filename != null || e.argv != null || e.uid != null) {
                            image(e.ts, e.filename, e.argv, e.uid, true);
                        }
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
                addHistogram(e.latencyHistUs);
            }
            case "net" -> {
                if ("udp".equals(e.event)) {
                    udp = Totals.addUdp(udp, e.datagramsSent, e.bytesSent, e.datagramsReceived, e.bytesReceived);
                    return;
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
            default -> { }
        }
    }

    /** A fork record whose ppid is this process. */
    public void childForked() {
        childrenForked++;
    }

    private void parent(long ts, int parentPid) {
        if (!has(PARENT) || ts >= parentTs) {
            parentTs = ts;
            ppid = parentPid;
            flags |= PARENT;
        }
    }

    private void image(long ts, String filename, String[] args, String user, boolean fromProc) {
        if (!has(IMAGE) || ts >= imageTs) {
            imageTs = ts;
            exe = filename;
            argv = args;
            uid = user;
            imageFromProc = fromProc;
            flags |= IMAGE;
        }
    }

    private void start(long ts) {
        if (!has(START) || ts >= startTs) {
            startTs = ts;
            flags |= START;
        }
    }

    private void addHistogram(long[] from) {
        if (from == null) {
            return;
        }
        if (diskLatencyHistUs == null) {
            diskLatencyHistUs = new long[HIST_BUCKETS];
        }
        for (int i = 0; i < Math.min(HIST_BUCKETS, from.length); i++) {
            diskLatencyHistUs[i] += from[i];
        }
    }

    /** Adds a partial fold of the same process whose records arrived after this one's. */
    public void merge(ProcessFold o) {
        if (o.has(SEEN)) {
            latestTime(SEEN, o.seenMs);
        }
        if (o.has(STARTED)) {
            latestTime(STARTED, o.startedMs);
        }
        if (o.has(EXITED)) {
            latestTime(EXITED, o.exitedMs);
        }
        if (o.has(RSS)) {
            rssSample(o.rssTs, o.rssSeq, o.rssBytes);
        }
        if (o.has(EXIT)) {
            exitRecord(o.exitTs, o.exitCode, o.exitSignal, o.coreDumped, o.lifetimeNs);
        }
        if (o.has(PARENT)) {
            parent(o.parentTs, o.ppid);
        }
        if (o.has(IMAGE)) {
            image(o.imageTs, o.exe, o.argv, o.uid, o.imageFromProc);
        }
        if (o.has(START)) {
            start(o.startTs);
        }
        childrenForked += o.childrenForked;
        records += o.records;
        if (o.comm != null && o.commTs >= commTs) {
            comm = o.comm;
            commTs = o.commTs;
        }
        onCpuNs += o.onCpuNs;
        rssMaxBytes = Math.max(rssMaxBytes, o.rssMaxBytes);
        pageFaults += o.pageFaults;
        oomKills += o.oomKills;
        if (o.syscalls != null) {
            if (syscalls == null) {
                syscalls = new HashMap<>(4);
            }
            o.syscalls.forEach((k, v) -> Totals.addSyscall(syscalls, k, v[0], v[1]));
        }
        diskReadBytes += o.diskReadBytes;
        diskWriteBytes += o.diskWriteBytes;
        diskReadOps += o.diskReadOps;
        diskWriteOps += o.diskWriteOps;
        addHistogram(o.diskLatencyHistUs);
        netBytesSent += o.netBytesSent;
        netBytesReceived += o.netBytesReceived;
        netRetransmits += o.netRetransmits;
        connectionsOpened += o.connectionsOpened;
        connectionsClosed += o.connectionsClosed;
        if (o.udp != null) {
            udp = Totals.addUdp(udp, o.udp[0], o.udp[1], o.udp[2], o.udp[3]);
        }
        forks += o.forks;
        execs += o.execs;
        if (o.fileOps != null) {
            if (fileOps == null) {
                fileOps = new HashMap<>(4);
            }
            o.fileOps.forEach((k, v) -> Totals.addSyscall(fileOps, k, v[0], v[1]));
        }
        if (o.fileIo != null) {
            if (fileIo == null) {
                fileIo = new HashMap<>(4);
            }
            o.fileIo.forEach((k, v) -> Totals.addSyscall(fileIo, k, v[0], v[1]));
        }
    }
}
