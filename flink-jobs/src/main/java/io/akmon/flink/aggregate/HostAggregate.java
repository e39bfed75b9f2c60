package io.akmon.flink.aggregate;

/** One host in one window. */
public class HostAggregate extends TotalsAggregate {
    public static final String KIND = "host";

    public HostAggregate() {
    }

    public static HostAggregate of(String resolution, String host, long start, long end, Figures f,
                                   long missing, long liveProcesses) {
        HostAggregate a = new HostAggregate();
        a.identify(KIND, resolution, host, null, start, end);
        a.fill(f, missing, liveProcesses);
        return a;
    }
}
