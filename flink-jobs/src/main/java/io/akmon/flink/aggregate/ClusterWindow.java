package io.akmon.flink.aggregate;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums the host aggregates of a window into one cluster aggregate. A late update of a host replaces
 * that host's earlier version (the window buffers host aggregates, a handful per window).
 */
public class ClusterWindow extends ProcessWindowFunction<Aggregate, Aggregate, String, TimeWindow> {
    private static final long serialVersionUID = 1L;
    private final String resolution;

    public ClusterWindow(String resolution) {
        this.resolution = resolution;
    }

    @Override
    public void process(String key, Context ctx, Iterable<Aggregate> hosts, Collector<Aggregate> out) {
        Map<String, HostAggregate> latest = new LinkedHashMap<>();
        for (Aggregate a : hosts) {
            latest.put(a.host, (HostAggregate) a);
        }
        TimeWindow w = ctx.window();
        out.collect(ClusterAggregate.of(resolution, w.getStart(), w.getEnd(), latest.values()));
    }
}
