package io.akmon.flink.dedup;

import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Drops records seen before, keyed by sequence stream (host, boot id, cpu), so replays by the agent or
 * by Kafka count once.
 *
 * <p>Sequences are dense, so the state is small: {@code contiguous}, the highest seq below which every
 * number is settled, plus the few records that arrived ahead of a gap ({@code pending}). A gap is held
 * open for {@code holdMillis} of event time for the missing record to arrive, then settled (the record
 * was lost; coverage accounts for it). A stream silent for {@code idleMillis} is forgotten.
 *
 * <p>It also routes records too late for their window (window end + allowed lateness passed) to the late
 * side output, in one place, before they reach any window. {@code holdMillis} must be at least the
 * window size plus the allowed lateness: then a record behind the settled range is always late anyway
 * and is reported as late rather than mistaken for a duplicate.
 */
public class Deduplicator extends KeyedProcessFunction<String, Event, Event> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<DeadLetter> LATE = new OutputTag<>("late-records") { };

    private final long windowMillis;
    private final long allowedLatenessMillis;
    private final long holdMillis;
    private final long idleMillis;

    private transient ValueState<Long> contiguous;
    private transient MapState<Long, Long> pending;
    private transient ValueState<Long> lastSeen;
    private transient ValueState<Long> idleTimer;
    private transient Counter duplicates;
    private transient Counter late;

    public Deduplicator(long windowMillis, long allowedLatenessMillis, long holdMillis, long idleMillis) {
        if (holdMillis < windowMillis + allowedLatenessMillis) {
            throw new IllegalArgumentException("dedup hold must cover window size plus allowed lateness");
        }
        if (idleMillis <= holdMillis) {
            throw new IllegalArgumentException("stream idle timeout must exceed the dedup hold");
        }
        this.windowMillis = windowMillis;
        this.allowedLatenessMillis = allowedLatenessMillis;
        this.holdMillis = holdMillis;
        this.idleMillis = idleMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        contiguous = getRuntimeContext().getState(new ValueStateDescriptor<>("contiguous", Types.LONG));
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG, Types.LONG));
        lastSeen = getRuntimeContext().getState(new ValueStateDescriptor<>("last-seen", Types.LONG));
        idleTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("idle-timer", Types.LONG));
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
        late = getRuntimeContext().getMetricGroup().counter("lateRecords");
    }

    /** True when the record's window has closed for good (same rule as Flink's window operator). */
    public static boolean isLate(long tsMillis, long watermark, long windowMillis, long allowedLatenessMillis) {
        long windowMax = tsMillis - Math.floorMod(tsMillis, windowMillis) + windowMillis - 1;
        return windowMax + allowedLatenessMillis <= watermark;
    }

    @Override
    public void processElement(Event e, Context ctx, Collector<Event> out) throws Exception {
        long ts = e.timestampMillis();
        long watermark = ctx.timerService().currentWatermark();
        if (isLate(ts, watermark, windowMillis, allowedLatenessMillis)) {
            late.inc();
            ctx.output(LATE, new DeadLetter("late: event time " + ts + " ms is behind the watermark " + watermark
                    + " ms beyond the allowed lateness", null, -1, -1, e.toString()));
            return;
        }
        Long settled = contiguous.value();
        if ((settled != null && e.seq <= settled) || pending.contains(e.seq)) {
            duplicates.inc();
            return;
        }
        out.collect(e);

        if (settled != null && e.seq == settled + 1) {
            // Fills the next number: absorb any run that was waiting behind it.
            long cursor = e.seq;
            while (!pending.isEmpty() && pending.contains(cursor + 1)) {
                pending.remove(++cursor);
            }
            contiguous.update(cursor);
        } else {
            pending.put(e.seq, ts);
            ctx.timerService().registerEventTimeTimer(roundUpToSecond(ts + holdMillis));
        }
        Long seen = lastSeen.value();
        if (seen == null || ts > seen) {
            lastSeen.update(ts);
        }
        if (idleTimer.value() == null) {
            long t = roundUpToSecond(ts + idleMillis);
            idleTimer.update(t);
            ctx.timerService().registerEventTimeTimer(t);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Event> out) throws Exception {
        settle(timestamp);
        Long idleAt = idleTimer.value();
        if (idleAt != null && idleAt == timestamp) {
            long seen = lastSeen.value();
            if (seen + idleMillis <= timestamp && pending.isEmpty()) {
                contiguous.clear();
                lastSeen.clear();
                idleTimer.clear();
            } else {
                long t = roundUpToSecond(Math.max(seen + idleMillis, timestamp + 1));
                idleTimer.update(t);
                ctx.timerService().registerEventTimeTimer(t);
            }
        }
    }

    /** Settles every pending record older than the hold, declaring the gaps before it lost. */
    private void settle(long now) throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        List<Long> seqs = new ArrayList<>();
        long oldestExpired = Long.MIN_VALUE;
        for (var entry : pending.entries()) {
            seqs.add(entry.getKey());
            if (entry.getValue() + holdMillis <= now) {
                oldestExpired = Math.max(oldestExpired, entry.getKey());
            }
        }
        Collections.sort(seqs);
        Long settled = contiguous.value();
        long cursor = settled != null ? settled : seqs.get(0) - 1;
        for (long s : seqs) {
            if (s <= oldestExpired || s == cursor + 1) {
                cursor = Math.max(cursor, s);
                pending.remove(s);
            } else {
                break;
            }
        }
        if (settled == null && cursor == seqs.get(0) - 1) {
            return;
        }
        contiguous.update(cursor);
    }

    private static long roundUpToSecond(long millis) {
        return Math.floorDiv(millis + 999, 1000) * 1000;
    }
}
