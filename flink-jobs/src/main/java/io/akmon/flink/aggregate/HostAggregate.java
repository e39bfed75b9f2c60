package io.akmon.flink.aggregate;

import io.akmon.flink.fold.Totals;

/** One host in one window. */
public class HostAggregate extends TotalsAggregate {
    public static final String KIND = "host";

    public HostAggregate() {
    }

    /**
     * @param activeProcesses processes with at least one record in the window
     * @param rssBytes        sum of the latest RSS of each process sampled in the window
     */
    public static HostAggregate of(String resolution, String host, long start, long end, Totals f,
                                   long activeProcesses, long rssBytes, long missing, long liveProcesses) {
        HostAggregate a = new HostAggregate();
        a.identify(KIND, resolution, host, null, start, end);
        a.fill(f, activeProcesses, rssBytes, missing, liveProcesses);
        return a;
    }
}
