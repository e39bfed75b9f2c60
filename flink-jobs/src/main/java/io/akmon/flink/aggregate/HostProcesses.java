package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.Map;

/**
 * What a host window needs to know per process: when each pid was last seen, started and exited in the
 * window, and its latest memory sample. It lives in window-scoped {@link MapState} (one entry per pid,
 * see {@link HostTrigger}) rather than in the window's {@link Figures} accumulator, so a record reads and
 * writes its own process's entry only: with RocksDB the accumulator is deserialized and serialized for
 * every record, and per-process maps in it would make each record cost in proportion to the processes
 * on the host. The maps of {@link Figures} are filled from this state once, when the window fires.
 *
 * <p>An entry is {@code {flags, seen, started, exited, rss ts, rss seq, rss bytes}}; the flags say which
 * of the figures the window has.
 */
public final class HostProcesses {
    /** pid -> {flags, seen ms, started ms, exited ms, rss ts, rss seq, rss bytes}, per host and window. */
    public static final MapStateDescriptor<Integer, long[]> STATE =
            new MapStateDescriptor<>("window-processes", Types.INT, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);

    static final long SEEN = 1;
    static final long STARTED = 2;
    static final long EXITED = 4;
    static final long RSS = 8;

    private static final int FLAGS = 0;
    private static final int SEEN_MS = 1;
    private static final int STARTED_MS = 2;
    private static final int EXITED_MS = 3;
    private static final int RSS_TS = 4;
    private static final int RSS_SEQ = 5;
    private static final int RSS_BYTES = 6;

    private HostProcesses() {
    }

    /** Folds one record into its process's entry; records that say nothing per process touch no state. */
    public static void add(MapState<Integer, long[]> state, Event e) throws Exception {
        boolean seen = Windows.isProcessRecord(e);
        boolean started = "fork".equals(e.type) || "exec".equals(e.type);
        boolean exited = "exit".equals(e.type);
        boolean rss = "memory".equals(e.type) && !"oom_kill".equals(e.event);
        if (!seen && !started && !exited && !rss) {
            return;
        }
        long tsMs = e.timestampMillis();
        long[] p = state.get(e.pid);
        if (p == null) {
            p = new long[7];
        }
        if (seen) {
            latestTime(p, SEEN, SEEN_MS, tsMs);
        }
        if (started) {
            latestTime(p, STARTED, STARTED_MS, tsMs);
        }
        if (exited) {
            latestTime(p, EXITED, EXITED_MS, tsMs);
        }
        if (rss) {
            long[] sample = {e.ts, e.seq, e.rssBytes};
            long[] latest = (p[FLAGS] & RSS) == 0 ? sample
                    : Figures.latest(new long[] {p[RSS_TS], p[RSS_SEQ], p[RSS_BYTES]}, sample);
            p[RSS_TS] = latest[0];
            p[RSS_SEQ] = latest[1];
            p[RSS_BYTES] = latest[2];
            p[FLAGS] |= RSS;
        }
        state.put(e.pid, p);
    }

    /** Keeps the later of the entry's time at {@code slot} (if its flag is set) and {@code tsMs}. */
    private static void latestTime(long[] p, long flag, int slot, long tsMs) {
        p[slot] = (p[FLAGS] & flag) == 0 ? tsMs : Math.max(p[slot], tsMs);
        p[FLAGS] |= flag;
    }

    /** Adds the window's processes to the per-process maps of {@code f} (merging, as {@link Figures#merge}). */
    public static void addTo(Figures f, Iterable<Map.Entry<Integer, long[]>> processes) {
        for (Map.Entry<Integer, long[]> e : processes) {
            int pid = e.getKey();
            long[] p = e.getValue();
            if ((p[FLAGS] & SEEN) != 0) {
                f.pidsSeen.merge(pid, p[SEEN_MS], Math::max);
            }
            if ((p[FLAGS] & STARTED) != 0) {
                f.pidsStarted.merge(pid, p[STARTED_MS], Math::max);
            }
            if ((p[FLAGS] & EXITED) != 0) {
                f.pidsExited.merge(pid, p[EXITED_MS], Math::max);
            }
            if ((p[FLAGS] & RSS) != 0) {
                f.rssByPid.merge(pid, new long[] {p[RSS_TS], p[RSS_SEQ], p[RSS_BYTES]}, Figures::latest);
            }
        }
    }
}
