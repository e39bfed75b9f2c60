package io.akmon.flink.emit;

import io.akmon.flink.types.StateSerializer;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a host document needs to remember across windows (per host and resolution), updated each time
 * a host window is emitted:
 * <ul>
 *   <li>missing records: per sequence stream, the highest seq of each window that may still be
 *       emitted again, so a gap on a window boundary counts too, also when its window is re-emitted;</li>
 *   <li>live processes: pids seen and not exited, forgetting a pid silent for the idle timeout (its exit
 *       may have been lost). Exited pids stay as tombstones for a while so a late update of an earlier
 *       window cannot revive them.</li>
 *   <li>resident memory: per process, its latest memory sample. The agent sends a sample only when a
 *       process's RSS changed, so the sample is carried into every later window while the process is
 *       live; its exit drops it, and a sample after the exit is ignored unless the pid starts anew.</li>
 * </ul>
 * The maps hold one entry per stream or live process, never per process ever seen.
 */
public final class HostHistory {
    /** stream -> {floor, window end of the last emission, (window end, highest seq) per recent window}. */
    final Map<String, long[]> maxSeq = new HashMap<>();
    /** pid -> last seen (ms) when live, or -(exit time) as a tombstone. */
    final Map<Integer, Long> pids = new HashMap<>();
    /** pid -> its latest memory sample, until it exits. */
    final Map<Integer, Resident> resident = new HashMap<>();
    /** pid -> who it is (parent, image, start), for as long as the pid is known (live, or a tombstone). */
    final Map<Integer, ProcessContext> context = new HashMap<>();

    /** A process's latest memory sample: event time (ns), seq, RSS bytes, and its name. */
    public static final class Resident {
        public long ts;
        public long seq;
        public long bytes;
        public String comm;
    }

    /** Takes a sample of a window; a later one (by event time, then seq) replaces an earlier one. */
    public void sample(int pid, long ts, long seq, long bytes, String comm) {
        Resident r = resident.get(pid);
        if (r == null) {
            r = new Resident();
            r.ts = Long.MIN_VALUE;
            resident.put(pid, r);
        }
        if (ts > r.ts || (ts == r.ts && seq >= r.seq)) {
            r.ts = ts;
            r.seq = seq;
            r.bytes = bytes;
        }
        if (comm != null) {
            r.comm = comm;
        }
    }

    /** A carried process's latest name (it may exec after its latest sample). */
    public void named(int pid, String comm) {
        Resident r = resident.get(pid);
        if (r != null && comm != null) {
            r.comm = comm;
        }
    }

    /** Takes a window's fold of a process into its context, if the fold says anything about it. */
    public void context(int pid, io.akmon.flink.fold.ProcessFold f) {
        if (!f.has(io.akmon.flink.fold.ProcessFold.PARENT) && !f.has(io.akmon.flink.fold.ProcessFold.IMAGE)
                && !f.has(io.akmon.flink.fold.ProcessFold.START) && !context.containsKey(pid)) {
            return;
        }
        context.computeIfAbsent(pid, k -> new ProcessContext()).update(f, context);
    }

    /** What is known about who the process is, or null. */
    public ProcessContext context(int pid) {
        return context.get(pid);
    }

    /** Whether the pid is a live process (seen, not exited). */
    public boolean isLive(int pid) {
        Long v = pids.get(pid);
        return v != null && v >= 0;
    }

    /** Forgets a process's memory; returns what it held, or null. */
    public Resident drop(int pid) {
        return resident.remove(pid);
    }

    /** Forgets the memory of every process that is no longer live. */
    public void dropNotLive() {
        resident.keySet().removeIf(pid -> !isLive(pid));
    }

    /** The latest sample of a process not known to have exited, or null. */
    public Resident resident(int pid) {
        return resident.get(pid);
    }

    public Set<Integer> residentPids() {
        return resident.keySet();
    }

    /** Sum of the RSS of the processes that have not exited. */
    public long residentBytes() {
        long sum = 0;
        for (Resident r : resident.values()) {
            sum += r.bytes;
        }
        return sum;
    }

    /**
     * Sequence gaps of a window's streams ({records, min, max} each); records the window's highest seqs.
     * A gap between windows counts in the window after it, against the highest seq of the windows
     * before it, so a window emitted again (a late record updated it) reports the same gap as the first
     * time, and the window after a late one sees the numbers the late record filled.
     */
    public long sequenceGaps(Map<String, long[]> streams, long start, long end, long latenessMillis,
                             long streamIdleMillis) {
        long missing = 0;
        // Windows ending before this can no longer be emitted again, nor can the windows after them.
        long horizon = end - latenessMillis - 2 * (end - start);
        for (Map.Entry<String, long[]> s : streams.entrySet()) {
            long count = s.getValue()[0];
            long min = s.getValue()[1];
            long max = s.getValue()[2];
            long[] prev = maxSeq.get(s.getKey());
            long before = prev == null ? NONE : highestBefore(prev, end);
            // Expected numbers run from just after the earlier windows' highest seq (or this window's
            // lowest, for a new stream or one whose numbers went back).
            long base = before != NONE && before < max ? before : min - 1;
            missing += Math.max(0, max - base - count);
            maxSeq.put(s.getKey(), recorded(prev, end, max, horizon));
        }
        maxSeq.values().removeIf(v -> v[1] + streamIdleMillis < end);
        return missing;
    }

    /**
     * Per stream: {floor, last window end, then (window end, highest seq) of the recent windows, by end}.
     * The floor is the highest seq of the windows folded out of the recent ones ({@link #NONE} if none);
     * state written before the recent windows were kept holds just the first two.
     */
    private static final long NONE = Long.MIN_VALUE;

    private static long highestBefore(long[] v, long end) {
        long high = v[0];
        for (int i = 2; i + 1 < v.length && v[i] < end; i += 2) {
            high = Math.max(high, v[i + 1]);
        }
        return high;
    }

    private static long[] recorded(long[] prev, long end, long max, long horizon) {
        long floor = prev == null ? NONE : prev[0];
        long lastEnd = prev == null ? end : Math.max(prev[1], end);
        TreeMap<Long, Long> recent = new TreeMap<>();
        if (prev != null) {
            for (int i = 2; i + 1 < prev.length; i += 2) {
                recent.put(prev[i], prev[i + 1]);
            }
        }
        recent.merge(end, max, Math::max);
        long[] v = new long[2 + 2 * recent.size()];
        int n = 2;
        for (Map.Entry<Long, Long> w : recent.entrySet()) {
            if (w.getKey() < horizon) {
                floor = Math.max(floor, w.getValue());
            } else {
                v[n++] = w.getKey();
                v[n++] = w.getValue();
            }
        }
        v[0] = floor;
        v[1] = lastEnd;
        return n == v.length ? v : Arrays.copyOf(v, n);
    }

    /** Live processes at {@code now}, given the window's pids seen, started and exited (ms). */
    public long livePids(Map<Integer, Long> seen, Map<Integer, Long> started, Map<Integer, Long> exited, long now,
                         long processIdleMillis) {
        for (Map.Entry<Integer, Long> exit : exited.entrySet()) {
            Long known = pids.get(exit.getKey());
            if (known == null || known >= 0 || exit.getValue() > -known) {
                pids.put(exit.getKey(), -exit.getValue());
            }
        }
        for (Map.Entry<Integer, Long> s : seen.entrySet()) {
            int pid = s.getKey();
            Long known = pids.get(pid);
            if (known == null || (known >= 0 && s.getValue() > known)) {
                pids.put(pid, s.getValue());
            } else if (known < 0) {
                // Records may trail an exit; only a new start after the exit reuses the pid.
                Long start = started.get(pid);
                if (start != null && start > -known) {
                    pids.put(pid, s.getValue());
                }
            }
        }
        long live = 0;
        for (Iterator<Long> it = pids.values().iterator(); it.hasNext(); ) {
            long v = it.next();
            if (Math.abs(v) + processIdleMillis < now) {
                it.remove();
            } else if (v >= 0) {
                live++;
            }
        }
        // A context lasts as long as its pid is known (live, or a tombstone).
        context.keySet().removeIf(pid -> !pids.containsKey(pid));
        return live;
    }

    public boolean isEmpty() {
        return maxSeq.isEmpty() && pids.isEmpty() && resident.isEmpty() && context.isEmpty();
    }

    public static final class Serializer extends StateSerializer<HostHistory> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        /** 2: the resident memory samples follow the pids. 3: then the process contexts. */
        @Override
        protected int format() {
            return 3;
        }

        @Override
        public HostHistory createInstance() {
            return new HostHistory();
        }

        @Override
        protected void write(HostHistory h, DataOutputView out) throws IOException {
            writeArrayMap(h.maxSeq, out);
            out.writeInt(h.pids.size());
            for (Map.Entry<Integer, Long> e : h.pids.entrySet()) {
                out.writeInt(e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeInt(h.resident.size());
            for (Map.Entry<Integer, Resident> e : h.resident.entrySet()) {
                Resident r = e.getValue();
                out.writeInt(e.getKey());
                out.writeLong(r.ts);
                out.writeLong(r.seq);
                out.writeLong(r.bytes);
                writeString(r.comm, out);
            }
            out.writeInt(h.context.size());
            for (Map.Entry<Integer, ProcessContext> e : h.context.entrySet()) {
                ProcessContext c = e.getValue();
                out.writeInt(e.getKey());
                out.writeLong(c.parentTs);
                out.writeInt(c.ppid);
                out.writeLong(c.imageTs);
                writeString(c.source, out);
                writeString(c.exe, out);
                writeStrings(c.argv, out);
                writeString(c.uid, out);
                out.writeLong(c.startTs);
            }
        }

        @Override
        protected HostHistory read(int format, DataInputView in) throws IOException {
            HostHistory h = new HostHistory();
            h.maxSeq.putAll(readArrayMap(in));
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                h.pids.put(in.readInt(), in.readLong());
            }
            if (format >= 2) {
                n = in.readInt();
                for (int i = 0; i < n; i++) {
                    int pid = in.readInt();
                    Resident r = new Resident();
                    r.ts = in.readLong();
                    r.seq = in.readLong();
                    r.bytes = in.readLong();
                    r.comm = readString(in);
                    h.resident.put(pid, r);
                }
            }
            if (format >= 3) {
                n = in.readInt();
                for (int i = 0; i < n; i++) {
                    int pid = in.readInt();
                    ProcessContext c = new ProcessContext();
                    c.parentTs = in.readLong();
                    c.ppid = in.readInt();
                    c.imageTs = in.readLong();
                    c.source = readString(in);
                    c.exe = readString(in);
                    c.argv = readStrings(in);
                    c.uid = readString(in);
                    c.startTs = in.readLong();
                    h.context.put(pid, c);
                }
            }
            return h;
        }

        @Override
        public TypeSerializerSnapshot<HostHistory> snapshotConfiguration() {
            return new Snapshot();
        }

        public static final class Snapshot extends SimpleTypeSerializerSnapshot<HostHistory> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
