package io.akmon.flink.aggregate;

import io.akmon.flink.fold.ProcessFold;

import java.util.HashMap;
import java.util.List;

/** One process (host/pid) in one window. */
public class ProcessAggregate extends Aggregate {
    public static final String KIND = "process";

    public int pid;
    public String comm;
    public long records;

    /** Who the process is, carried from the window that said it; null where unknown. */
    public Integer ppid;
    public String exe;
    public List<String> argv;
    /** A number, or a token when the agent anonymises uids. */
    public String uid;
    /** Process start, ns since the epoch. */
    public Long startTs;
    /** Where exe, argv and uid come from: exec, proc (read at agent start: older than the agent), parent (forked, no exec since). */
    public String contextSource;

    public long onCpuNs;
    public double cpuSeconds;
    public double cpuPct;

    /** Latest sampled RSS in the window; null when the window had no memory sample. */
    public Long rssBytes;
    public long rssMaxBytes;
    public long pageFaults;
    public long oomKills;

    public long syscallCount;
    public long syscallErrors;
    public List<SyscallCount> syscalls;

    public long diskReadBytes;
    public long diskWriteBytes;
    public long diskReadOps;
    public long diskWriteOps;
    public long diskLatencyP50Us;
    public long diskLatencyP95Us;
    public long diskLatencyP99Us;

    public long netBytesSent;
    public long netBytesReceived;
    public double netBytesSentPerSec;
    public double netBytesReceivedPerSec;
    public long netRetransmits;
    public long connectionsOpened;
    public long connectionsClosed;

    /** File changes in the window, failed ones included; by op, busiest first. */
    public long fileOpCount;
    public long fileOpErrors;
    public List<SyscallCount> fileOps;

    /** Bytes the process read and wrote through regular files (page-cache hits included) and calls that moved them. */
    public long fileReadBytes;
    public long fileWriteBytes;
    public long fileReadOps;
    public long fileWriteOps;
    /** The same through sockets, pipes and other descriptors (ttys, devices), kept apart. */
    public long socketReadBytes;
    public long socketWriteBytes;
    public long pipeReadBytes;
    public long pipeWriteBytes;
    public long otherReadBytes;
    public long otherWriteBytes;

    /** Fork records of this process itself: 1 in the window it was born, else 0. */
    public long startedByFork;
    /** Fork records whose parent is this process: the children it forked in the window. */
    public long childrenForked;
    /** UDP datagrams and bytes (not in net_bytes_*, which are TCP's). */
    public long udpDatagramsSent;
    public long udpBytesSent;
    public long udpDatagramsReceived;
    public long udpBytesReceived;

    public long execs;
    public boolean exited;
    public Integer exitCode;
    public Integer exitSignal;
    public Boolean coreDumped;
    public Long lifetimeNs;

    public ProcessAggregate() {
    }

    /** Sets the context fields from what the host's history knows of the process. */
    public void context(io.akmon.flink.emit.ProcessContext c) {
        if (c == null) {
            return;
        }
        ppid = c.ppid > 0 ? c.ppid : null;
        startTs = c.startTs > 0 ? c.startTs : null;
        if (c.source != null) {
            contextSource = c.source;
            exe = c.exe;
            argv = c.argv == null ? null : List.of(c.argv);
            uid = c.uid;
        }
    }

    private static long io(ProcessFold f, String kindOp, int field) {
        long[] v = f.fileIo.get(kindOp);
        return v == null ? 0 : v[field];
    }

    public static ProcessAggregate of(String resolution, String host, int pid, long start, long end, ProcessFold f) {
        ProcessAggregate a = new ProcessAggregate();
        a.identify(KIND, resolution, host, Integer.toString(pid), start, end);
        a.pid = pid;
        a.comm = f.comm;
        a.records = f.records;
        a.onCpuNs = f.onCpuNs;
        a.cpuSeconds = f.onCpuNs / 1e9;
        a.cpuPct = cpuPercent(f.onCpuNs, end - start);
        a.rssBytes = f.has(ProcessFold.RSS) ? f.rssBytes : null;
        a.rssMaxBytes = f.rssMaxBytes;
        a.pageFaults = f.pageFaults;
        a.oomKills = f.oomKills;
        List<SyscallCount> ranked = SyscallCount.ranked(f.syscalls == null ? new HashMap<>() : f.syscalls);
        a.syscalls = ranked;
        for (SyscallCount s : ranked) {
            a.syscallCount += s.count;
            a.syscallErrors += s.errors;
        }
        a.diskReadBytes = f.diskReadBytes;
        a.diskWriteBytes = f.diskWriteBytes;
        a.diskReadOps = f.diskReadOps;
        a.diskWriteOps = f.diskWriteOps;
        long[] hist = f.diskLatencyHistUs == null ? new long[ProcessFold.HIST_BUCKETS] : f.diskLatencyHistUs;
        a.diskLatencyP50Us = Percentiles.upperBoundUs(hist, 0.50);
        a.diskLatencyP95Us = Percentiles.upperBoundUs(hist, 0.95);
        a.diskLatencyP99Us = Percentiles.upperBoundUs(hist, 0.99);
        a.netBytesSent = f.netBytesSent;
        a.netBytesReceived = f.netBytesReceived;
        a.netBytesSentPerSec = perSecond(f.netBytesSent, a.windowSeconds());
        a.netBytesReceivedPerSec = perSecond(f.netBytesReceived, a.windowSeconds());
        a.netRetransmits = f.netRetransmits;
        a.connectionsOpened = f.connectionsOpened;
        a.connectionsClosed = f.connectionsClosed;
        if (f.fileOps != null) {
            a.fileOps = SyscallCount.ranked(f.fileOps);
            for (SyscallCount s : a.fileOps) {
                a.fileOpCount += s.count;
                a.fileOpErrors += s.errors;
            }
        }
        if (f.fileIo != null) {
            a.fileReadBytes = io(f, "file/read", 1);
            a.fileWriteBytes = io(f, "file/write", 1);
            a.fileReadOps = io(f, "file/read", 0);
            a.fileWriteOps = io(f, "file/write", 0);
            a.socketReadBytes = io(f, "socket/read", 1);
            a.socketWriteBytes = io(f, "socket/write", 1);
            a.pipeReadBytes = io(f, "pipe/read", 1);
            a.pipeWriteBytes = io(f, "pipe/write", 1);
            a.otherReadBytes = io(f, "other/read", 1);
            a.otherWriteBytes = io(f, "other/write", 1);
        }
        a.startedByFork = f.forks;
        a.childrenForked = f.childrenForked;
        if (f.udp != null) {
            a.udpDatagramsSent = f.udp[0];
            a.udpBytesSent = f.udp[1];
            a.udpDatagramsReceived = f.udp[2];
            a.udpBytesReceived = f.udp[3];
        }
        a.execs = f.execs;
        if (f.has(ProcessFold.EXIT)) {
            a.exited = true;
            a.exitCode = f.exitCode;
            a.exitSignal = f.exitSignal;
            a.coreDumped = f.coreDumped;
            a.lifetimeNs = f.lifetimeNs;
        }
        return a;
    }
}
