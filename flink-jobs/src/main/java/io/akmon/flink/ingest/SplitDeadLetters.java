package io.akmon.flink.ingest;

import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Passes parsed events on and sends dead letters to a side output, counting them. Heartbeats end here:
 * they have moved the source's watermark ({@link HeartbeatWatermarks}) and are no events.
 */
public class SplitDeadLetters extends ProcessFunction<Envelope, Event> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") { };

    private transient Counter deadLetters;

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(Envelope in, Context ctx, Collector<Event> out) {
        if (in.event != null) {
            if (!in.event.isHeartbeat()) {
                out.collect(in.event);
            }
        } else if (in.deadLetter != null) {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, in.deadLetter);
        }
    }
}
