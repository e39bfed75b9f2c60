package io.akmon.flink.dedup;

import io.akmon.flink.types.StateSerializer;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Deduplication state of one host: a {@link SequenceTracker} per sequence stream (boot id and cpu), a
 * few per host. Records of a window closed for good (window end + allowed lateness passed) are late:
 * they are routed to the dead letters before deduplication, in one place, as Flink's window operator
 * would drop them.
 */
public final class HostStreams {
    final Map<String, SequenceTracker> streams = new HashMap<>();

    /** True when the record's window has closed for good (same rule as Flink's window operator). */
    public static boolean isLate(long tsMillis, long watermark, long windowMillis, long allowedLatenessMillis) {
        long windowMax = tsMillis - Math.floorMod(tsMillis, windowMillis) + windowMillis - 1;
        return windowMax + allowedLatenessMillis <= watermark;
    }

    /** Records the record's seq on its stream; true if it is new, false for a duplicate. */
    public boolean admit(String streamKey, long seq, long tsMillis) {
        SequenceTracker t = streams.get(streamKey);
        if (t == null) {
            t = new SequenceTracker();
            streams.put(streamKey, t);
        }
        return t.admit(seq, tsMillis);
    }

    /** Settles expired gaps and forgets streams idle at {@code now}; true if nothing is left. */
    public boolean expire(long now, long holdMillis, long idleMillis) {
        for (Iterator<SequenceTracker> it = streams.values().iterator(); it.hasNext(); ) {
            SequenceTracker t = it.next();
            t.settle(now, holdMillis);
            if (t.idle(now, idleMillis)) {
                it.remove();
            }
        }
        return streams.isEmpty();
    }

    public boolean isEmpty() {
        return streams.isEmpty();
    }

    /** Latest event time (ms) accepted on any stream of the host. */
    public long lastSeenMs() {
        long last = Long.MIN_VALUE;
        for (SequenceTracker t : streams.values()) {
            last = Math.max(last, t.lastSeenMs);
        }
        return last;
    }

    public static final class Serializer extends StateSerializer<HostStreams> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        public HostStreams createInstance() {
            return new HostStreams();
        }

        /** Format 2: pending records as 64-seq words; format 1 kept them as ranges. */
        @Override
        protected int format() {
            return 2;
        }

        @Override
        protected void write(HostStreams h, DataOutputView out) throws IOException {
            out.writeInt(h.streams.size());
            for (Map.Entry<String, SequenceTracker> e : h.streams.entrySet()) {
                SequenceTracker t = e.getValue();
                out.writeUTF(e.getKey());
                out.writeBoolean(t.settled);
                out.writeLong(t.contiguous);
                out.writeLong(t.lastSeenMs);
                out.writeInt(t.end - t.head);
                for (int i = t.head; i < t.end; i++) {
                    out.writeLong(t.wordNo[i]);
                    out.writeLong(t.bits[i]);
                    out.writeLong(t.latestMs[i]);
                }
            }
        }

        @Override
        protected HostStreams read(int format, DataInputView in) throws IOException {
            HostStreams h = new HostStreams();
            int streams = in.readInt();
            for (int s = 0; s < streams; s++) {
                String key = in.readUTF();
                SequenceTracker t = new SequenceTracker();
                t.settled = in.readBoolean();
                t.contiguous = in.readLong();
                t.lastSeenMs = in.readLong();
                int n = in.readInt();
                if (format == 1) {
                    for (int i = 0; i < n; i++) {
                        t.markRange(in.readLong(), in.readLong(), in.readLong());
                    }
                } else {
                    int capacity = Math.max(4, n);
                    t.wordNo = new long[capacity];
                    t.bits = new long[capacity];
                    t.latestMs = new long[capacity];
                    for (int i = 0; i < n; i++) {
                        t.wordNo[i] = in.readLong();
                        t.bits[i] = in.readLong();
                        t.latestMs[i] = in.readLong();
                    }
                    t.end = n;
                }
                h.streams.put(key, t);
            }
            return h;
        }

        @Override
        public TypeSerializerSnapshot<HostStreams> snapshotConfiguration() {
            return new Snapshot();
        }

        public static final class Snapshot extends SimpleTypeSerializerSnapshot<HostStreams> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
