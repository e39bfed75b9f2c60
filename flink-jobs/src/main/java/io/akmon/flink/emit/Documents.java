package io.akmon.flink.emit;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.ConnectionAggregate;
import io.akmon.flink.aggregate.DiskAggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.ProcessAggregate;
import io.akmon.flink.fold.ConnectionFigures;
import io.akmon.flink.fold.DiskFigures;
import io.akmon.flink.fold.ProcessFold;
import io.akmon.flink.fold.Totals;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns the folds of one host window into its documents. The host document comes first: it carries the
 * host's coverage, which every other document of the window is stamped with.
 */
public final class Documents {
    private final String resolution;
    private final long processIdleMillis;
    private final long streamIdleMillis;
    private final long latenessMillis;

    public Documents(String resolution, long processIdleMillis, long streamIdleMillis, long latenessMillis) {
        this.resolution = resolution;
        this.processIdleMillis = processIdleMillis;
        this.streamIdleMillis = streamIdleMillis;
        this.latenessMillis = latenessMillis;
    }

    /** The host document; updates the host's history (highest seqs, live processes, resident memory). */
    public HostAggregate host(String host, long start, long end, Totals totals,
                              Iterable<Map.Entry<Integer, ProcessFold>> processes, HostHistory history) {
        Map<Integer, Long> seen = new HashMap<>();
        Map<Integer, Long> started = new HashMap<>();
        Map<Integer, Long> exited = new HashMap<>();
        Map<Integer, ProcessFold> sampled = new HashMap<>();
        for (Map.Entry<Integer, ProcessFold> e : processes) {
            ProcessFold p = e.getValue();
            if (p.has(ProcessFold.SEEN)) {
                seen.put(e.getKey(), p.seenMs);
            }
            if (p.has(ProcessFold.STARTED)) {
                started.put(e.getKey(), p.startedMs);
            }
            if (p.has(ProcessFold.EXITED)) {
                exited.put(e.getKey(), p.exitedMs);
            }
            if (p.has(ProcessFold.RSS)) {
                sampled.put(e.getKey(), p);
            } else {
                history.named(e.getKey(), p.comm);
            }
        }
        // Twice: a child forked in this window takes its parent's image as this window leaves it.
        for (int pass = 0; pass < 2; pass++) {
            for (Map.Entry<Integer, ProcessFold> e : processes) {
                if (pass == 0 || e.getValue().has(ProcessFold.START)) {
                    history.context(e.getKey(), e.getValue());
                }
            }
        }
        long active = seen.size();
        // A process with memory and no exit is alive, however long it has been idle.
        for (Integer pid : history.residentPids()) {
            seen.putIfAbsent(pid, end - 1);
        }
        long missing = totals.reportedLost + history.sequenceGaps(totals.streams, start, end, latenessMillis,
                streamIdleMillis);
        long live = history.livePids(seen, started, exited, end, processIdleMillis);
        // Memory follows liveness: a sample of an exited process (the drain after its exit may still
        // read it) is not kept; one that exited in this window held its memory for part of it.
        long rss = 0;
        for (Map.Entry<Integer, ProcessFold> e : sampled.entrySet()) {
            ProcessFold p = e.getValue();
            if (history.isLive(e.getKey())) {
                history.sample(e.getKey(), p.rssTs, p.rssSeq, p.rssBytes, p.comm);
            } else if (exited.containsKey(e.getKey())) {
                rss += p.rssBytes;
            }
        }
        for (Integer pid : exited.keySet()) {
            if (!history.isLive(pid)) {
                HostHistory.Resident r = history.drop(pid);
                if (r != null && !sampled.containsKey(pid)) {
                    rss += r.bytes;
                }
            }
        }
        history.dropNotLive();
        rss += history.residentBytes();
        return HostAggregate.of(resolution, host, start, end, totals, active, rss, missing, live);
    }

    /**
     * A process document: its window's figures with its current RSS (carried from an earlier window when
     * it had no sample in this one) and its context (parent, image, start), or null when the window has
     * no record about the process itself, it forked no child and it has no memory to show.
     */
    public ProcessAggregate process(String host, int pid, long start, long end, ProcessFold p,
                                    HostHistory.Resident memory, ProcessContext context, double coverage) {
        if (p == null || p.records == 0) {
            if (memory == null && (p == null || p.childrenForked == 0)) {
                return null;
            }
            long children = p == null ? 0 : p.childrenForked;
            p = new ProcessFold();
            p.childrenForked = children;
            p.comm = memory != null ? memory.comm : null;
        }
        ProcessAggregate a = ProcessAggregate.of(resolution, host, pid, start, end, p);
        if (a.rssBytes == null && memory != null && !a.exited) {
            a.rssBytes = memory.bytes;
        }
        a.context(context);
        return stamp(a, coverage);
    }

    public DiskAggregate disk(String host, String device, long start, long end, DiskFigures d, double coverage) {
        return stamp(DiskAggregate.of(resolution, host, device, start, end, d), coverage);
    }

    public ConnectionAggregate connection(String host, String conn, long start, long end, ConnectionFigures c,
                                          double coverage) {
        return stamp(ConnectionAggregate.of(resolution, host, conn, start, end, c), coverage);
    }

    public io.akmon.flink.aggregate.InterfaceAggregate iface(String host, String device, long start, long end,
                                                             long[] counters, double coverage) {
        return stamp(io.akmon.flink.aggregate.InterfaceAggregate.of(resolution, host, device, start, end, counters), coverage);
    }

    private static <A extends Aggregate> A stamp(A a, double coverage) {
        a.coverage = coverage;
        return a;
    }
}
