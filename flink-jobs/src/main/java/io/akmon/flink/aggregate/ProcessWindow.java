package io.akmon.flink.aggregate;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Emits a process's figures when its window closes (and again, updated, for each late record). It
 * keeps no state outside the window, so a process leaves no state behind once it has exited and its
 * last window has passed the allowed lateness.
 */
public class ProcessWindow extends ProcessWindowFunction<Figures, Aggregate, String, TimeWindow> {
    private static final long serialVersionUID = 1L;
    private final String resolution;

    public ProcessWindow(String resolution) {
        this.resolution = resolution;
    }

    @Override
    public void process(String key, Context ctx, Iterable<Figures> figures, Collector<Aggregate> out) {
        Figures f = figures.iterator().next();
        TimeWindow w = ctx.window();
        out.collect(ProcessAggregate.of(resolution, Keys.host(key), Integer.parseInt(Keys.rest(key)),
                w.getStart(), w.getEnd(), f));
    }
}
