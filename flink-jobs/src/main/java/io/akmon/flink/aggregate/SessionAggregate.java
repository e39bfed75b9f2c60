package io.akmon.flink.aggregate;

import io.akmon.flink.emit.ProcessContext;
import io.akmon.flink.fold.ProcessFold;
import io.akmon.flink.fold.SessionFold;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * One process's life on one host ({@code kind: session}): who it was, when it started and ended, how it
 * ended, and its totals, each the exact sum (or max) of the figures of its base windows. Emitted when the
 * process exits and, while it lives, at each roll-up, always under the same id, so a sink updates the
 * document in place.
 */
public class SessionAggregate extends Aggregate {
    public static final String KIND = "session";
    /** The resolution label of session documents: they span a life, not a window. */
    public static final String LIFETIME = "lifetime";
    public static final int TOP_SYSCALLS = 10;

    public int pid;
    public String comm;
    public Integer ppid;
    public String exe;
    public List<String> argv;
    public String uid;
    public String contextSource;
    /** Process start, ns since the epoch, when known (its fork, or /proc for processes older than the agent). */
    public Long startTs;
    /** The exit record's time, ns since the epoch; null while the process lives. */
    public Long endTs;
    public boolean exited;
    public Integer exitCode;
    public Integer exitSignal;
    public Boolean coreDumped;
    /** The kernel's lifetime of the process, from its exit record. */
    public Long lifetimeNs;

    public long records;
    public long onCpuNs;
    public double cpuSeconds;
    public long rssMaxBytes;
    public long pageFaults;
    public long oomKills;
    public long diskReadBytes;
    public long diskWriteBytes;
    public long diskReadOps;
    public long diskWriteOps;
    public long netBytesSent;
    public long netBytesReceived;
    public long netRetransmits;
    public long connectionsOpened;
    public long connectionsClosed;
    public long syscallCount;
    public long syscallErrors;
    /** The {@value #TOP_SYSCALLS} most frequent syscalls, busiest first. */
    public List<SyscallCount> topSyscalls;
    public long childrenForked;
    public long execs;

    public SessionAggregate() {
    }

    public static SessionAggregate of(String host, int pid, SessionFold s, ProcessContext context) {
        SessionAggregate a = new SessionAggregate();
        a.identify(KIND, LIFETIME, host, Integer.toString(pid), s.firstStart, s.lastEnd);
        ProcessFold f = s.life;
        a.pid = pid;
        a.comm = f.comm;
        if (context != null) {
            a.ppid = context.ppid > 0 ? context.ppid : null;
            a.startTs = context.startTs > 0 ? context.startTs : null;
            if (context.source != null) {
                a.contextSource = context.source;
                a.exe = context.exe;
                a.argv = context.argv == null ? null : List.of(context.argv);
                a.uid = context.uid;
            }
        }
        if (a.contextSource == null && f.has(ProcessFold.IMAGE)) {
            a.contextSource = f.imageFromProc ? ProcessContext.FROM_PROC : ProcessContext.FROM_EXEC;
            a.exe = f.exe;
            a.argv = f.argv == null ? null : List.of(f.argv);
            a.uid = f.uid;
        }
        if (a.ppid == null && f.has(ProcessFold.PARENT)) {
            a.ppid = f.ppid;
        }
        if (a.startTs == null && f.has(ProcessFold.START)) {
            a.startTs = f.startTs;
        }
        if (f.has(ProcessFold.EXIT)) {
            a.exited = true;
            a.endTs = f.exitTs;
            a.exitCode = f.exitCode;
            a.exitSignal = f.exitSignal;
            a.coreDumped = f.coreDumped;
            a.lifetimeNs = f.lifetimeNs;
        }
        a.records = f.records;
        a.onCpuNs = f.onCpuNs;
        a.cpuSeconds = f.onCpuNs / 1e9;
        a.rssMaxBytes = f.rssMaxBytes;
        a.pageFaults = f.pageFaults;
        a.oomKills = f.oomKills;
        a.diskReadBytes = f.diskReadBytes;
        a.diskWriteBytes = f.diskWriteBytes;
        a.diskReadOps = f.diskReadOps;
        a.diskWriteOps = f.diskWriteOps;
        a.netBytesSent = f.netBytesSent;
        a.netBytesReceived = f.netBytesReceived;
        a.netRetransmits = f.netRetransmits;
        a.connectionsOpened = f.connectionsOpened;
        a.connectionsClosed = f.connectionsClosed;
        List<SyscallCount> ranked = SyscallCount.ranked(f.syscalls == null ? new HashMap<>() : f.syscalls);
        for (SyscallCount c : ranked) {
            a.syscallCount += c.count;
            a.syscallErrors += c.errors;
        }
        a.topSyscalls = new ArrayList<>(ranked.subList(0, Math.min(TOP_SYSCALLS, ranked.size())));
        a.childrenForked = f.childrenForked;
        a.execs = f.execs;
        a.coverage = s.coverage;
        return a;
    }
}
