package io.akmon.flink.dedup;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tracker's bitmap held to a plain model of the same rules (every pending seq in a sorted map) on
 * random streams shaped like the job's input: several splits of one stream read at different rates,
 * records lost, replayed, and settled as event time passes, with snapshots taken and restored midway.
 */
class SequenceTrackerTest {
    private static final long HOLD = 15_000;
    private static final long IDLE = 60_000;

    /** The rules, one seq at a time. */
    static final class Model {
        boolean settled;
        long contiguous;
        long lastSeenMs = Long.MIN_VALUE;
        final TreeMap<Long, Long> pending = new TreeMap<>();

        boolean admit(long seq, long ts) {
            if (settled && seq <= contiguous || pending.containsKey(seq)) {
                return false;
            }
            if (settled && seq == contiguous + 1) {
                contiguous = seq;
                advance();
            } else {
                pending.put(seq, ts);
            }
            lastSeenMs = Math.max(lastSeenMs, ts);
            return true;
        }

        private void advance() {
            while (pending.remove(contiguous + 1) != null) {
                contiguous++;
            }
        }

        /** The highest word (seq >> 6) whose records are all older than the hold settles every gap below its last record. */
        void settle(long now, long hold) {
            TreeMap<Long, Long> latestPerWord = new TreeMap<>();
            for (Map.Entry<Long, Long> e : pending.entrySet()) {
                latestPerWord.merge(e.getKey() >> 6, e.getValue(), Math::max);
            }
            Long expiredWord = null;
            for (Map.Entry<Long, Long> w : latestPerWord.descendingMap().entrySet()) {
                if (SequenceTracker.roundUpToSecond(w.getValue() + hold) <= now) {
                    expiredWord = w.getKey();
                    break;
                }
            }
            if (expiredWord == null) {
                return;
            }
            long w = expiredWord;
            settled = true;
            contiguous = pending.subMap(w << 6, true, (w << 6) + 63, true).lastKey();
            pending.headMap(contiguous, true).clear();
            advance();
        }

        boolean idle(long now, long idle) {
            return pending.isEmpty() && SequenceTracker.roundUpToSecond(lastSeenMs + idle) <= now;
        }
    }

    private static HostStreams roundTrip(HostStreams h) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        HostStreams.Serializer.INSTANCE.serialize(h, out);
        return HostStreams.Serializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    /** One stream's records as {seq, event time}, split over {@code splits} partitions read at different rates. */
    private static List<long[]> interleaved(Random rnd, int records, int splits, long startSeq) {
        List<List<long[]>> perSplit = new ArrayList<>();
        for (int s = 0; s < splits; s++) {
            perSplit.add(new ArrayList<>());
        }
        for (int i = 0; i < records; i++) {
            long seq = startSeq + i;
            if (rnd.nextInt(50) == 0) {
                continue;  // lost
            }
            long[] r = {seq, 1_000 + i * 7L + rnd.nextInt(5)};
            perSplit.get(rnd.nextInt(splits)).add(r);
            if (rnd.nextInt(20) == 0) {
                perSplit.get(rnd.nextInt(splits)).add(r);  // replayed
            }
        }
        double[] rate = new double[splits];
        for (int s = 0; s < splits; s++) {
            rate[s] = 0.1 + rnd.nextDouble();
        }
        List<long[]> out = new ArrayList<>();
        int[] next = new int[splits];
        while (true) {
            int left = 0;
            for (int s = 0; s < splits; s++) {
                if (next[s] < perSplit.get(s).size()) {
                    left++;
                    if (rnd.nextDouble() < rate[s]) {
                        out.add(perSplit.get(s).get(next[s]++));
                    }
                }
            }
            if (left == 0) {
                return out;
            }
        }
    }

    @Test
    void theBitmapFollowsTheRulesOnInterleavedSplitsWithLossReplayAndRestores() throws Exception {
        for (int round = 0; round < 60; round++) {
            Random rnd = new Random(round);
            List<long[]> records = interleaved(rnd, 500 + rnd.nextInt(5_000), 1 + rnd.nextInt(6), rnd.nextInt(3) * 1_000_000L);
            HostStreams tracked = new HostStreams();
            Model model = new Model();
            long now = 0;
            for (long[] r : records) {
                boolean expected = model.admit(r[0], r[1]);
                assertEquals(expected, tracked.admit("s", r[0], r[1]), "round " + round + ", seq " + r[0]);
                if (rnd.nextInt(200) == 0) {
                    now = Math.max(now, r[1] - HOLD + rnd.nextInt(30_000));
                    model.settle(now, HOLD);
                    tracked.streams.get("s").settle(now, HOLD);
                }
                if (rnd.nextInt(500) == 0) {
                    tracked = roundTrip(tracked);
                }
                SequenceTracker t = tracked.streams.get("s");
                assertEquals(model.settled, t.settled);
                if (model.settled) {
                    assertEquals(model.contiguous, t.contiguous, "round " + round);
                }
                assertEquals(!model.pending.isEmpty(), t.hasPending());
            }
            long end = model.lastSeenMs + IDLE + 1_000;
            model.settle(end, HOLD);
            assertTrue(model.idle(end, IDLE));
            assertTrue(tracked.expire(end, HOLD, IDLE), "the stream is forgotten once idle");
        }
    }

    @Test
    void recordsAheadOfAGapCostABitEachNotARange() {
        SequenceTracker t = new SequenceTracker();
        t.admit(1, 1_000);
        t.settle(1_000 + HOLD + 1_000, HOLD);
        // Every other number from one split, the rest still to come from another.
        for (long seq = 3; seq < 20_000; seq += 2) {
            assertTrue(t.admit(seq, 2_000));
        }
        assertEquals(20_000 / 64 + 1, t.pendingWords());
        for (long seq = 2; seq < 20_000; seq += 2) {
            assertTrue(t.admit(seq, 2_000));
        }
        assertFalse(t.hasPending());
        assertEquals(19_999, t.contiguous);
    }

    @Test
    void aFormat1StateOfRangesRestoresAsTheSamePendingRecords() throws Exception {
        Model model = new Model();
        List<long[]> ranges = List.of(new long[] {5, 5, 1_100}, new long[] {7, 130, 1_200}, new long[] {200, 263, 9_000},
                new long[] {1_000_000, 1_000_001, 9_500});
        for (long[] r : ranges) {
            for (long s = r[0]; s <= r[1]; s++) {
                model.admit(s, r[2]);
            }
        }
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeByte(1);
        out.writeInt(1);
        out.writeUTF("s");
        out.writeBoolean(false);
        out.writeLong(0);
        out.writeLong(model.lastSeenMs);
        out.writeInt(ranges.size());
        for (long[] r : ranges) {
            out.writeLong(r[0]);
            out.writeLong(r[1]);
            out.writeLong(r[2]);
        }
        HostStreams restored = HostStreams.Serializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        List<Long> seqs = new ArrayList<>();
        for (long s = 0; s < 1_000_010; s += s < 300 ? 1 : 999_700) {
            seqs.add(s);
        }
        Collections.shuffle(seqs, new Random(7));
        for (long s : seqs) {
            assertEquals(model.admit(s, 9_600), restored.admit("s", s, 9_600), "seq " + s);
        }
        for (long now = 10_000; now < 40_000; now += 1_000) {
            model.settle(now, HOLD);
            restored.streams.get("s").settle(now, HOLD);
            assertEquals(model.settled, restored.streams.get("s").settled);
            assertEquals(model.contiguous, restored.streams.get("s").contiguous);
        }
    }
}
