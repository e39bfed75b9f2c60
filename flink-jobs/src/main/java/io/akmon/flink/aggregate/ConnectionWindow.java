package io.akmon.flink.aggregate;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Emits a connection's figures when its window closes. */
public class ConnectionWindow extends ProcessWindowFunction<ConnectionFigures, Aggregate, String, TimeWindow> {
    private static final long serialVersionUID = 1L;
    private final String resolution;

    public ConnectionWindow(String resolution) {
        this.resolution = resolution;
    }

    @Override
    public void process(String key, Context ctx, Iterable<ConnectionFigures> figures, Collector<Aggregate> out) {
        TimeWindow w = ctx.window();
        out.collect(ConnectionAggregate.of(resolution, Keys.host(key), Keys.rest(key), w.getStart(), w.getEnd(),
                figures.iterator().next()));
    }
}
