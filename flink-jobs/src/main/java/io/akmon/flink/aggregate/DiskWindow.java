package io.akmon.flink.aggregate;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Emits a block device's figures when its window closes. */
public class DiskWindow extends ProcessWindowFunction<DiskFigures, Aggregate, String, TimeWindow> {
    private static final long serialVersionUID = 1L;
    private final String resolution;

    public DiskWindow(String resolution) {
        this.resolution = resolution;
    }

    @Override
    public void process(String key, Context ctx, Iterable<DiskFigures> figures, Collector<Aggregate> out) {
        TimeWindow w = ctx.window();
        out.collect(DiskAggregate.of(resolution, Keys.host(key), Keys.rest(key), w.getStart(), w.getEnd(),
                figures.iterator().next()));
    }
}
