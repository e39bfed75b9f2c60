package io.akmon.flink.alert;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.Map;

/**
 * At most one alert per rule and key per throttle interval, in event time. The first match of an
 * interval goes out at once; later ones in the interval are counted, and when the interval ends with
 * any counted, the same alert (same id) goes out again carrying the count and the last matched time,
 * so a store that upserts by id holds one record per interval with the suppressed total.
 */
public class Throttle extends KeyedProcessFunction<String, Alert, Alert> {
    private static final long serialVersionUID = 1L;

    private final Map<String, Long> throttleMillis;
    private transient ValueState<Alert> open;
    private transient ValueState<Long> intervalEnd;
    private transient Counter sent;
    private transient Counter suppressed;

    /** @param throttleMillis rule name -> throttle interval */
    public Throttle(Map<String, Long> throttleMillis) {
        this.throttleMillis = throttleMillis;
    }

    public static String key(Alert a) {
        return a.rule + '|' + a.key;
    }

    @Override
    public void open(OpenContext openContext) {
        open = getRuntimeContext().getState(new ValueStateDescriptor<>("open-alert", Alert.class));
        intervalEnd = getRuntimeContext().getState(new ValueStateDescriptor<>("interval-end", Long.class));
        sent = getRuntimeContext().getMetricGroup().counter("alertsSent");
        suppressed = getRuntimeContext().getMetricGroup().counter("alertsSuppressed");
    }

    @Override
    public void processElement(Alert alert, Context ctx, Collector<Alert> out) throws Exception {
        Long end = intervalEnd.value();
        if (end == null || alert.lastMatched >= end) {
            flush(out);
            long interval = throttleMillis.getOrDefault(alert.rule, 0L);
            out.collect(alert);
            sent.inc();
            if (interval > 0) {
                long newEnd = alert.lastMatched + interval;
                open.update(alert);
                intervalEnd.update(newEnd);
                ctx.timerService().registerEventTimeTimer(newEnd);
            }
            return;
        }
        Alert a = open.value();
        a.suppressed++;
        a.lastMatched = Math.max(a.lastMatched, alert.lastMatched);
        open.update(a);
        suppressed.inc();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        Long end = intervalEnd.value();
        if (end != null && timestamp >= end) {
            flush(out);
        }
    }

    /** Closes the open interval, sending the count of what it suppressed. */
    private void flush(Collector<Alert> out) throws Exception {
        Alert a = open.value();
        if (a != null && a.suppressed > 0) {
            out.collect(a.copy());
        }
        open.clear();
        intervalEnd.clear();
    }
}
