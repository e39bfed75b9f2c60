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

    public Documents(String resolution, long processIdleMillis, long streamIdleMillis) {
        this.resolution = resolution;
        this.processIdleMillis = processIdleMillis;
        this.streamIdleMillis = streamIdleMillis;
    }

    /** The host document; updates the host's history (highest seqs, live processes). */
    public HostAggregate host(String host, long start, long end, Totals totals,
                              Iterable<Map.Entry<Integer, ProcessFold>> processes, HostHistory history) {
        Map<Integer, Long> seen = new HashMap<>();
        Map<Integer, Long> started = new HashMap<>();
        Map<Integer, Long> exited = new HashMap<>();
        long rss = 0;
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
                rss += p.rssBytes;
            }
        }
        long missing = totals.reportedLost + history.sequenceGaps(totals.streams, end, streamIdleMillis);
        long live = history.livePids(seen, started, exited, end, processIdleMillis);
        return HostAggregate.of(resolution, host, start, end, totals, seen.size(), rss, missing, live);
    }

    /** A process document, or null when the fold has no record about the process itself. */
    public ProcessAggregate process(String host, int pid, long start, long end, ProcessFold p, double coverage) {
        if (p.records == 0) {
            return null;
        }
        return stamp(ProcessAggregate.of(resolution, host, pid, start, end, p), coverage);
    }

    public DiskAggregate disk(String host, String device, long start, long end, DiskFigures d, double coverage) {
        return stamp(DiskAggregate.of(resolution, host, device, start, end, d), coverage);
    }

    public ConnectionAggregate connection(String host, String conn, long start, long end, ConnectionFigures c,
                                          double coverage) {
        return stamp(ConnectionAggregate.of(resolution, host, conn, start, end, c), coverage);
    }

    private static <A extends Aggregate> A stamp(A a, double coverage) {
        a.coverage = coverage;
        return a;
    }
}
