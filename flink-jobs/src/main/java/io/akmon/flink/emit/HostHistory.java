package io.akmon.flink.emit;

import io.akmon.flink.types.StateSerializer;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * What a host document needs to remember across windows (per host and resolution), updated each time
 * a host window is emitted:
 * <ul>
 *   <li>missing records: per sequence stream, the highest seq emitted so far, so a gap on a window
 *       boundary counts too;</li>
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
    /** stream -> {highest seq emitted, window end of the last emission}. */
    final Map<String, long[]> maxSeq = new HashMap<>();
    /** pid -> last seen (ms) when live, or -(exit time) as a tombstone. */
    final Map<Integer, Long> pids = new HashMap<>();
    /** pid -> its latest memory sample, until it exits. */
    final Map<Integer, Resident> resident = new HashMap<>();

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

    /** Sequence gaps of a window's streams ({records, min, max} each); updates the highest seqs. */
    public long sequenceGaps(Map<String, long[]> streams, long now, long streamIdleMillis) {
        long missing = 0;
        for (Map.Entry<String, long[]> s : streams.entrySet()) {
            long count = s.getValue()[0];
            long min = s.getValue()[1];
            long max = s.getValue()[2];
            long[] prev = maxSeq.get(s.getKey());
            // Expected numbers run from just after the previous window's highest seq (or this window's
            // lowest, for a new stream); a late re-emission of an older window falls back to the latter.
            long base = prev != null && prev[0] < max ? prev[0] : min - 1;
            missing += Math.max(0, max - base - count);
            long high = prev == null ? max : Math.max(prev[0], max);
            maxSeq.put(s.getKey(), new long[] {high, now});
        }
        maxSeq.values().removeIf(v -> v[1] + streamIdleMillis < now);
        return missing;
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
        return live;
    }

    public boolean isEmpty() {
        return maxSeq.isEmpty() && pids.isEmpty() && resident.isEmpty();
    }

    public static final class Serializer extends StateSerializer<HostHistory> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        /** 2: the resident memory samples follow the pids. */
        @Override
        protected int format() {
            return 2;
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
