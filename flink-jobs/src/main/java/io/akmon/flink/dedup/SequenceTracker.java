package io.akmon.flink.dedup;

import java.util.Arrays;

/**
 * What one sequence stream (host, boot id, cpu) has delivered, to drop records seen before: replays by
 * the agent or by Kafka count once.
 *
 * <p>Sequences are dense, so the state is small: {@code contiguous}, the highest seq below which every
 * number is settled, plus the records that arrived ahead of a gap, as ranges of seqs with the latest
 * event time of each. A gap is held open for the hold (event time) for the missing record to arrive,
 * then settled (the record was lost; coverage accounts for it). Settling is the only point where a
 * number not seen becomes "seen"; it happens no earlier than the hold after the records ahead of the
 * gap, and the hold is at least window + allowed lateness, so a record behind the settled range is late
 * anyway and goes to the dead letters as late rather than being mistaken for a duplicate.
 */
public final class SequenceTracker {
    /** Whether {@link #contiguous} is known: a new stream first waits for its first hold to pass. */
    boolean settled;
    long contiguous;
    /** Latest event time (ms) of an accepted record. */
    long lastSeenMs = Long.MIN_VALUE;
    /** Pending ranges, sorted and disjoint: {lo, hi, latest event time ms} per range. */
    long[] ranges = new long[6];
    int n;

    /** Records {@code seq} and returns true if it is new; false for a duplicate. */
    public boolean admit(long seq, long tsMs) {
        if (settled && seq <= contiguous) {
            return false;
        }
        if (n > 0 && seq == ranges[3 * (n - 1) + 1] + 1) {
            extend(n - 1, seq, tsMs);  // the common case: the next number after a gap or before settling
        } else if (settled && seq == contiguous + 1) {
            contiguous = seq;
            if (n > 0 && ranges[0] == contiguous + 1) {
                contiguous = ranges[1];
                remove(0, 1);
            }
        } else if (!insert(seq, tsMs)) {
            return false;
        }
        lastSeenMs = Math.max(lastSeenMs, tsMs);
        return true;
    }

    private void extend(int i, long seq, long tsMs) {
        ranges[3 * i + 1] = seq;
        ranges[3 * i + 2] = Math.max(ranges[3 * i + 2], tsMs);
        if (i + 1 < n && ranges[3 * (i + 1)] == seq + 1) {
            ranges[3 * i + 1] = ranges[3 * (i + 1) + 1];
            ranges[3 * i + 2] = Math.max(ranges[3 * i + 2], ranges[3 * (i + 1) + 2]);
            remove(i + 1, 1);
        }
        if (settled && i == 0 && ranges[0] == contiguous + 1) {
            contiguous = ranges[1];
            remove(0, 1);
        }
    }

    /** Adds a seq to the pending ranges; false if it is already there. */
    private boolean insert(long seq, long tsMs) {
        // Binary search for the first range ending at or after seq: one stream's records reach the job
        // through several topics and partitions (the agent keys by host/pid), so hundreds of ranges can be
        // pending at once, and a scan from the start made every out-of-order record cost all of them.
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ranges[3 * mid + 1] < seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        int i = lo;
        if (i < n && ranges[3 * i] <= seq) {
            return false;
        }
        if (i > 0 && ranges[3 * (i - 1) + 1] + 1 == seq) {
            extend(i - 1, seq, tsMs);
            return true;
        }
        if (i < n && ranges[3 * i] == seq + 1) {
            ranges[3 * i] = seq;
            ranges[3 * i + 2] = Math.max(ranges[3 * i + 2], tsMs);
            if (settled && i == 0 && seq == contiguous + 1) {
                contiguous = ranges[1];
                remove(0, 1);
            }
            return true;
        }
        if (3 * (n + 1) > ranges.length) {
            ranges = Arrays.copyOf(ranges, ranges.length * 2);
        }
        System.arraycopy(ranges, 3 * i, ranges, 3 * (i + 1), 3 * (n - i));
        ranges[3 * i] = seq;
        ranges[3 * i + 1] = seq;
        ranges[3 * i + 2] = tsMs;
        n++;
        return true;
    }

    private void remove(int from, int count) {
        System.arraycopy(ranges, 3 * (from + count), ranges, 3 * from, 3 * (n - from - count));
        n -= count;
    }

    /**
     * Settles the gaps before every pending range whose records are all older than the hold at event
     * time {@code now}, and the runs that then follow on.
     */
    public void settle(long now, long holdMillis) {
        long oldestExpired = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            if (roundUpToSecond(ranges[3 * i + 2] + holdMillis) <= now) {
                oldestExpired = Math.max(oldestExpired, ranges[3 * i + 1]);
            }
        }
        if (oldestExpired == Long.MIN_VALUE) {
            return;
        }
        long cursor = settled ? contiguous : ranges[0] - 1;
        int i = 0;
        while (i < n && (ranges[3 * i] <= oldestExpired || ranges[3 * i] == cursor + 1)) {
            cursor = Math.max(cursor, ranges[3 * i + 1]);
            i++;
        }
        remove(0, i);
        settled = true;
        contiguous = cursor;
    }

    /** Whether the stream has been silent for the idle timeout at {@code now} with nothing pending. */
    public boolean idle(long now, long idleMillis) {
        return n == 0 && roundUpToSecond(lastSeenMs + idleMillis) <= now;
    }

    public boolean hasPending() {
        return n > 0;
    }

    static long roundUpToSecond(long millis) {
        return Math.floorDiv(millis + 999, 1000) * 1000;
    }
}
