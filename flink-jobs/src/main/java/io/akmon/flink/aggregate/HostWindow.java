package io.akmon.flink.aggregate;

import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Emits a host's figures when its window closes. The per-process figures of the window (processes
 * seen, started, exited, their latest RSS) come from the window's state kept by {@link HostTrigger}
 * ({@link HostProcesses}), the rest from the {@link Figures} accumulator. Two figures need memory
 * across windows, kept in the host's global (per-key, not per-window) state:
 * <ul>
 *   <li>missing records: per sequence stream, the gap between the highest seq of the previous window
 *       and this window's numbers, so gaps on a window boundary count too;</li>
 *   <li>live processes: pids seen and not exited, forgetting a pid silent for the idle timeout (its exit
 *       may have been lost). Exited pids stay as tombstones for a while so a late update of an earlier
 *       window cannot revive them.</li>
 * </ul>
 * Both maps hold one entry per stream or live process, never per process ever seen.
 */
public class HostWindow extends ProcessWindowFunction<Figures, Aggregate, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    static final MapStateDescriptor<String, long[]> STREAMS =
            new MapStateDescriptor<>("stream-max-seq", Types.STRING, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
    /** pid -> last seen (ms) when live, or -(exit time) as a tombstone. */
    static final MapStateDescriptor<Integer, Long> PIDS =
            new MapStateDescriptor<>("live-pids", Types.INT, Types.LONG);

    private final String resolution;
    private final long processIdleMillis;
    private final long streamIdleMillis;

    public HostWindow(String resolution, long processIdleMillis, long streamIdleMillis) {
        this.resolution = resolution;
        this.processIdleMillis = processIdleMillis;
        this.streamIdleMillis = streamIdleMillis;
    }

    @Override
    public void process(String host, Context ctx, Iterable<Figures> figures, Collector<Aggregate> out)
            throws Exception {
        // A copy, so the accumulator (the state object itself on the heap backend) stays free of
        // per-process maps; they come from the window's per-process state.
        Figures f = new Figures(true).merge(figures.iterator().next());
        HostProcesses.addTo(f, ctx.windowState().getMapState(HostProcesses.STATE).entries());
        TimeWindow w = ctx.window();
        long missing = f.reportedLost + sequenceGaps(ctx.globalState().getMapState(STREAMS), f, w.getEnd());
        long live = livePids(ctx.globalState().getMapState(PIDS), f, w.getEnd());
        out.collect(HostAggregate.of(resolution, host, w.getStart(), w.getEnd(), f, missing, live));
    }

    private long sequenceGaps(MapState<String, long[]> maxSeq, Figures f, long now) throws Exception {
        long missing = 0;
        for (Map.Entry<String, long[]> s : f.streams.entrySet()) {
            long count = s.getValue()[0];
            long min = s.getValue()[1];
            long max = s.getValue()[2];
            long[] prev = maxSeq.get(s.getKey());
            // Expected numbers run from just after the previous window's highest seq (or this window's
            // lowest, for a new stream); a late re-firing of an older window falls back to the latter.
            long base = prev != null && prev[0] < max ? prev[0] : min - 1;
            missing += Math.max(0, max - base - count);
            long high = prev == null ? max : Math.max(prev[0], max);
            maxSeq.put(s.getKey(), new long[] {high, now});
        }
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, long[]> e : maxSeq.entries()) {
            if (e.getValue()[1] + streamIdleMillis < now) {
                stale.add(e.getKey());
            }
        }
        for (String k : stale) {
            maxSeq.remove(k);
        }
        return missing;
    }

    private long livePids(MapState<Integer, Long> pids, Figures f, long now) throws Exception {
        for (Map.Entry<Integer, Long> exit : f.pidsExited.entrySet()) {
            Long known = pids.get(exit.getKey());
            if (known == null || known >= 0 || exit.getValue() > -known) {
                pids.put(exit.getKey(), -exit.getValue());
            }
        }
        for (Map.Entry<Integer, Long> seen : f.pidsSeen.entrySet()) {
            int pid = seen.getKey();
            Long known = pids.get(pid);
            if (known == null || (known >= 0 && seen.getValue() > known)) {
                pids.put(pid, seen.getValue());
            } else if (known < 0) {
                // Records may trail an exit; only a new start after the exit reuses the pid.
                Long started = f.pidsStarted.get(pid);
                if (started != null && started > -known) {
                    pids.put(pid, seen.getValue());
                }
            }
        }
        long live = 0;
        List<Integer> expired = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : pids.entries()) {
            long t = Math.abs(e.getValue());
            if (t + processIdleMillis < now) {
                expired.add(e.getKey());
            } else if (e.getValue() >= 0) {
                live++;
            }
        }
        for (Integer pid : expired) {
            pids.remove(pid);
        }
        return live;
    }
}
