package io.akmon.flink.alert;

import io.akmon.flink.ingest.DeadLetter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Passes aggregate facts on; undecodable aggregate records go to a side output as dead letters, counted. */
public class SplitUndecodable extends ProcessFunction<Fact, Fact> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("undecodable-aggregates") { };

    private transient Counter undecodable;

    @Override
    public void open(OpenContext openContext) {
        undecodable = getRuntimeContext().getMetricGroup().counter("undecodableAggregates");
    }

    @Override
    public void processElement(Fact f, Context ctx, Collector<Fact> out) {
        if (AggregateFactDeserializer.UNDECODABLE.equals(f.type)) {
            undecodable.inc();
            ctx.output(DEAD_LETTERS, AggregateFactDeserializer.deadLetter(f));
        } else {
            out.collect(f);
        }
    }
}
