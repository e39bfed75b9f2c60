package io.akmon.flink.aggregate;

import java.util.HashMap;
import java.util.Map;

/** All hosts in one window. {@code host} is {@value #ALL_HOSTS}. */
public class ClusterAggregate extends TotalsAggregate {
    public static final String KIND = "cluster";
    public static final String ALL_HOSTS = "_all";

    public long hosts;

    public ClusterAggregate() {
    }

    public static ClusterAggregate of(String resolution, long start, long end, Iterable<HostAggregate> perHost) {
        ClusterAggregate a = new ClusterAggregate();
        a.identify(KIND, resolution, ALL_HOSTS, null, start, end);
        a.exitsByCode = new HashMap<>();
        a.exitsBySignal = new HashMap<>();
        Map<String, long[]> syscalls = new HashMap<>();
        for (HostAggregate h : perHost) {
            a.hosts++;
            a.add(h, syscalls);
        }
        a.finish(syscalls);
        return a;
    }
}
