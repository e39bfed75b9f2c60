package io.akmon.flink.ingest;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Watermarks of one source split (a Kafka partition) from the agents' heartbeats. An agent sends each
 * partition a heartbeat whose time is its host's progress: every record of the host with an earlier
 * event time is already in the partition before the heartbeat. So the split's watermark is the least
 * progress over the hosts that send heartbeats, without an out-of-orderness bound or an idleness guess,
 * and it moves within a heartbeat interval even when a partition receives nothing else.
 *
 * <p>Records of hosts that send no heartbeats (older agents, other producers) bound the watermark as
 * before: their highest event time minus the out-of-orderness. An agent that closes cleanly ends with a
 * closing heartbeat ({@code closing: true}, after its last record), and its host is let go at once. A
 * host is otherwise forgotten once it has been silent for {@code stale} (an agent killed, a host gone),
 * so it no longer holds the watermark back; a split with no host left emits nothing, and the strategy's
 * idleness takes it out of the job's watermark.
 */
public final class HeartbeatWatermarks implements WatermarkGenerator<Envelope> {
    /**
     * How often the jobs emit watermarks (Flink's default is 200 ms): a heartbeat's progress reaches the
     * operators within this much. A periodic emit looks at a few hosts per partition.
     */
    public static final long EMIT_INTERVAL_MS = 50;
    private final long outOfOrdernessMs;
    private final long staleMs;
    private final LongSupplier clock;
    /** Heartbeat hosts: host -> {watermark ms, last heartbeat (clock ms)}. */
    private final Map<String, long[]> progress = new HashMap<>();
    /** Hosts without heartbeats: host -> {highest event time ms, last record (clock ms)}. */
    private final Map<String, long[]> legacy = new HashMap<>();
    private long emitted = Long.MIN_VALUE;
    /** Highest progress of the hosts that closed since the last emit (their records are all in), or MIN_VALUE. */
    private long closedProgress = Long.MIN_VALUE;
    private boolean idle;

    public HeartbeatWatermarks(long outOfOrdernessMs, long staleMs, LongSupplier clock) {
        this.outOfOrdernessMs = outOfOrdernessMs;
        this.staleMs = staleMs;
        this.clock = clock;
    }

    /**
     * Heartbeat watermarks, event time from the kernel timestamps, and idleness after {@code idle} for
     * partitions that receive nothing at all (no agent writes to them).
     *
     * @param outOfOrderness the bound for records of hosts without heartbeats
     */
    public static WatermarkStrategy<Envelope> strategy(Duration outOfOrderness, Duration idle) {
        long ooo = outOfOrderness.toMillis();
        long stale = idle.toMillis();
        WatermarkStrategy<Envelope> heartbeats = context -> new HeartbeatWatermarks(ooo, stale, System::currentTimeMillis);
        return heartbeats
                // Dead letters carry no event time and must not move the watermark.
                .withTimestampAssigner((e, kafkaTs) -> e.event != null ? e.event.timestampMillis() : Long.MIN_VALUE)
                .withIdleness(idle);
    }

    @Override
    public void onEvent(Envelope envelope, long timestamp, WatermarkOutput output) {
        Event e = envelope.event;
        if (e == null || e.host == null) {
            return;
        }
        if (idle) {
            idle = false;
            output.markActive();
        }
        long now = clock.getAsLong();
        if (e.isHeartbeat()) {
            legacy.remove(e.host);
            if (e.closing) {
                progress.remove(e.host); // its last record is in: it holds nothing back any more
                closedProgress = Math.max(closedProgress, e.timestampMillis() - 1);
                return;
            }
            long[] p = progress.computeIfAbsent(e.host, h -> new long[] {Long.MIN_VALUE, now});
            // progress P (ns): every record before P is in, so every whole millisecond before floor(P ms).
            p[0] = Math.max(p[0], e.timestampMillis() - 1);
            p[1] = now;
            return;
        }
        if (progress.containsKey(e.host)) {
            return; // its heartbeats say how far it is
        }
        long[] l = legacy.computeIfAbsent(e.host, h -> new long[] {Long.MIN_VALUE, now});
        l[0] = Math.max(l[0], timestamp);
        l[1] = now;
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long now = clock.getAsLong();
        long least = Long.MAX_VALUE;
        for (Iterator<long[]> it = progress.values().iterator(); it.hasNext(); ) {
            long[] p = it.next();
            if (now - p[1] > staleMs) {
                it.remove();
            } else {
                least = Math.min(least, p[0]);
            }
        }
        long highest = Long.MIN_VALUE;
        for (Iterator<long[]> it = legacy.values().iterator(); it.hasNext(); ) {
            long[] l = it.next();
            if (now - l[1] > staleMs) {
                it.remove();
            } else {
                highest = Math.max(highest, l[0]);
            }
        }
        if (!legacy.isEmpty() && highest != Long.MIN_VALUE) {
            least = Math.min(least, highest - outOfOrdernessMs - 1);
        }
        if (least != Long.MAX_VALUE && least > emitted) {
            emitted = least;
            output.emitWatermark(new Watermark(least));
        }
        if (least == Long.MAX_VALUE && closedProgress != Long.MIN_VALUE) {
            // The split's last hosts closed: everything before their close is in, and nothing here holds the
            // job's watermark back any more, so the split goes idle now (the next record makes it active again).
            if (closedProgress > emitted) {
                emitted = closedProgress;
                output.emitWatermark(new Watermark(closedProgress));
            }
            if (!idle) {
                idle = true;
                output.markIdle();
            }
        }
        closedProgress = Long.MIN_VALUE;
    }

    /** Hosts this split tracks; zero once every host has been silent for the stale time. */
    public int trackedHosts() {
        return progress.size() + legacy.size();
    }
}
