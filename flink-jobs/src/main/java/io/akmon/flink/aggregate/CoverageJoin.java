package io.akmon.flink.aggregate;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gives every aggregate of a host the host's coverage for the same window. Keyed by host; all windows
 * of one size close at the same watermark, so the aggregates of a window wait only until the watermark
 * reaches the window end, by which time the host's own aggregate (which carries the coverage) has
 * arrived. Late updates of a window are stamped on arrival. Coverage is kept until the window's
 * allowed lateness has passed, then dropped, so state drains with the watermark.
 */
public class CoverageJoin extends KeyedProcessFunction<String, Aggregate, Aggregate> {
    private static final long serialVersionUID = 1L;
    private final long allowedLatenessMillis;

    /** window end -> coverage of the host in that window. */
    private transient MapState<Long, Double> coverage;
    /** aggregate id -> aggregate waiting for its window's coverage. */
    private transient MapState<String, Aggregate> waiting;

    public CoverageJoin(long allowedLatenessMillis) {
        this.allowedLatenessMillis = allowedLatenessMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        coverage = getRuntimeContext().getMapState(new MapStateDescriptor<>("coverage", Types.LONG, Types.DOUBLE));
        waiting = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("waiting", Types.STRING, TypeInformation.of(Aggregate.class)));
    }

    @Override
    public void processElement(Aggregate a, Context ctx, Collector<Aggregate> out) throws Exception {
        long windowMax = a.windowEnd - 1;
        if (a instanceof TotalsAggregate) {
            coverage.put(a.windowEnd, a.coverage);
            ctx.timerService().registerEventTimeTimer(windowMax + allowedLatenessMillis);
            out.collect(a);
        } else if (windowMax <= ctx.timerService().currentWatermark()) {
            Double c = coverage.get(a.windowEnd);
            a.coverage = c == null ? 1.0 : c;
            out.collect(a);
        } else {
            waiting.put(a.id, a);
            ctx.timerService().registerEventTimeTimer(windowMax);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Aggregate> out) throws Exception {
        List<String> done = new ArrayList<>();
        for (Map.Entry<String, Aggregate> e : waiting.entries()) {
            Aggregate a = e.getValue();
            if (a.windowEnd - 1 <= timestamp) {
                Double c = coverage.get(a.windowEnd);
                a.coverage = c == null ? 1.0 : c;
                out.collect(a);
                done.add(e.getKey());
            }
        }
        for (String id : done) {
            waiting.remove(id);
        }
        List<Long> expired = new ArrayList<>();
        for (Long windowEnd : coverage.keys()) {
            if (windowEnd - 1 + allowedLatenessMillis <= timestamp) {
                expired.add(windowEnd);
            }
        }
        for (Long windowEnd : expired) {
            coverage.remove(windowEnd);
        }
    }
}
