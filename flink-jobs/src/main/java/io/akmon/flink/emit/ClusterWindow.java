package io.akmon.flink.emit;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.AggregateTypeInfo;
import io.akmon.flink.aggregate.ClusterAggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.config.JobOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums the host aggregates of a window into one cluster aggregate. A late update of a host replaces
 * that host's earlier version (the window buffers host aggregates, a handful per window). One host
 * document per host and window reaches it, so one task sums the whole cluster.
 */
public class ClusterWindow extends ProcessWindowFunction<Aggregate, Aggregate, String, TimeWindow> {
    private static final long serialVersionUID = 1L;
    private final String resolution;

    public ClusterWindow(String resolution) {
        this.resolution = resolution;
    }

    /** All hosts' documents of a window summed; input is every host document of one resolution. */
    public static SingleOutputStreamOperator<Aggregate> cluster(DataStream<Aggregate> hosts, Duration size,
                                                                Duration lateness) {
        String label = JobOptions.label(size);
        return hosts
                .keyBy(a -> ClusterAggregate.ALL_HOSTS)
                .window(TumblingEventTimeWindows.of(size)).allowedLateness(lateness)
                .process(new ClusterWindow(label), AggregateTypeInfo.INSTANCE)
                .name("cluster-window-" + label).uid("cluster-window-" + label);
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
