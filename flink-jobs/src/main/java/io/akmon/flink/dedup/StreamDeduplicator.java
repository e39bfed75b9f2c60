package io.akmon.flink.dedup;

import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Drops records seen before, keyed by sequence stream (host, boot id, cpu), for a job that needs unique
 * records but no aggregation (the alert job). The bookkeeping is the aggregation job's own
 * ({@link HostStreams}, {@link SequenceTracker}): a gap is held open for {@code holdMillis} of event time,
 * then settled; a stream silent for {@code idleMillis} is forgotten, so state drains to nothing.
 *
 * <p>Records older than the hold behind the watermark could no longer be told from duplicates; they go
 * to the {@link #LATE} side output instead.
 */
public class StreamDeduplicator extends KeyedProcessFunction<String, Event, Event> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<DeadLetter> LATE = new OutputTag<>("late-records") { };

    private final long holdMillis;
    private final long idleMillis;

    private transient ValueState<HostStreams> streams;
    private transient Counter duplicates;
    private transient Counter late;

    public StreamDeduplicator(long holdMillis, long idleMillis) {
        if (holdMillis < 1) {
            throw new IllegalArgumentException("dedup hold must be positive");
        }
        if (idleMillis <= holdMillis) {
            throw new IllegalArgumentException("stream idle timeout must exceed the dedup hold");
        }
        this.holdMillis = holdMillis;
        this.idleMillis = idleMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        streams = getRuntimeContext().getState(new ValueStateDescriptor<>("streams", HostStreams.Serializer.INSTANCE));
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
        late = getRuntimeContext().getMetricGroup().counter("lateRecords");
    }

    @Override
    public void processElement(Event e, Context ctx, Collector<Event> out) throws Exception {
        long ts = e.timestampMillis();
        long watermark = ctx.timerService().currentWatermark();
        if (HostStreams.isLate(ts, watermark, 1, holdMillis - 1)) {
            late.inc();
            ctx.output(LATE, new DeadLetter("late: event time " + ts + " ms is behind the watermark " + watermark
                    + " ms by more than the dedup hold", null, -1, -1, e.toString()));
            return;
        }
        HostStreams s = streams.value();
        if (s == null) {
            s = new HostStreams();
        }
        if (!s.admit(ctx.getCurrentKey(), e.seq, ts)) {
            duplicates.inc();
            return;
        }
        streams.update(s);
        out.collect(e);
        ctx.timerService().registerEventTimeTimer(SequenceTracker.roundUpToSecond(ts + holdMillis));
        ctx.timerService().registerEventTimeTimer(SequenceTracker.roundUpToSecond(ts + idleMillis));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Event> out) throws Exception {
        HostStreams s = streams.value();
        if (s == null) {
            return;
        }
        if (s.expire(timestamp, holdMillis, idleMillis)) {
            streams.clear();
        } else {
            streams.update(s);
        }
    }
}
