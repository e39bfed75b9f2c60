package io.akmon.flink.dedup;

import java.util.Arrays;

/**
 * What one sequence stream (host, boot id, cpu) has delivered, to drop records seen before: replays by
 * the agent or by Kafka count once.
 *
 * <p>Sequences are dense, so the state is small: {@code contiguous}, the highest seq below which every
 * number is settled, plus the records that arrived ahead of a gap, as a bitmap of 64-seq words (only
 * words with a record in them are kept) with the latest event time of each word. A gap is held open for
 * the hold (event time) for the missing record to arrive, then settled (the record was lost; coverage
 * accounts for it). Settling is the only point where a number not seen becomes "seen"; it happens no
 * earlier than the hold after a record ahead of the gap, and the hold is at least window + allowed
 * lateness, so a record behind the settled range is late anyway and goes to the dead letters as late
 * rather than being mistaken for a duplicate.
 *
 * <p>Why a bitmap: one stream's records reach the job through several topics and partitions (the agent
 * keys by host/pid), read at different rates, so the records of the split that is ahead wait behind the
 * gaps the others leave, every other number or so. As ranges, that was a range per record, thousands
 * of them, each out-of-order record an insertion into a sorted array; as bits, a record costs one bit,
 * and its word is almost always the last one or found by one binary search.
 */
public final class SequenceTracker {
    /** Whether {@link #contiguous} is known: a new stream first waits for its first hold to pass. */
    boolean settled;
    long contiguous;
    /** Latest event time (ms) of an accepted record. */
    long lastSeenMs = Long.MIN_VALUE;
    /**
     * Pending records: words {@code [head, end)}, sorted by word number ({@code seq >> 6}), none empty;
     * once settled, every pending seq is above {@code contiguous + 1}.
     */
    long[] wordNo = new long[4];
    long[] bits = new long[4];
    long[] latestMs = new long[4];
    int head;
    int end;

    /** Records {@code seq} and returns true if it is new; false for a duplicate. */
    public boolean admit(long seq, long tsMs) {
        if (settled && seq <= contiguous) {
            return false;
        }
        if (settled && seq == contiguous + 1) {
            contiguous = seq;  // the common case: the next number
            advance();
        } else if (!mark(seq, tsMs)) {
            return false;
        }
        lastSeenMs = Math.max(lastSeenMs, tsMs);
        return true;
    }

    /** Sets the seq's bit; false if it was set already. */
    private boolean mark(long seq, long tsMs) {
        long w = seq >> 6;
        long bit = 1L << (seq & 63);
        int i = find(w);
        if (i < end && wordNo[i] == w) {
            if ((bits[i] & bit) != 0) {
                return false;
            }
            bits[i] |= bit;
            latestMs[i] = Math.max(latestMs[i], tsMs);
            return true;
        }
        i = insertWord(i, w);
        bits[i] = bit;
        latestMs[i] = tsMs;
        return true;
    }

    /** The index of word {@code w}, or where it would go. */
    private int find(long w) {
        if (head == end || wordNo[end - 1] < w) {
            return end;
        }
        if (wordNo[end - 1] == w) {
            return end - 1;
        }
        int lo = head;
        int hi = end - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (wordNo[mid] < w) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Opens an empty slot for word {@code w} at index {@code i}; returns the slot's index. */
    private int insertWord(int i, long w) {
        if (i == head && head > 0) {
            head--;
            wordNo[head] = w;
            return head;
        }
        if (end == wordNo.length) {
            i -= head;
            compact(Math.max(4, 2 * (end - head + 1)));
            i += head;
        }
        System.arraycopy(wordNo, i, wordNo, i + 1, end - i);
        System.arraycopy(bits, i, bits, i + 1, end - i);
        System.arraycopy(latestMs, i, latestMs, i + 1, end - i);
        end++;
        wordNo[i] = w;
        return i;
    }

    /** Moves the live words to the start of arrays of at least {@code capacity} slots. */
    private void compact(int capacity) {
        int live = end - head;
        if (capacity > wordNo.length || capacity < wordNo.length / 4) {
            wordNo = Arrays.copyOfRange(wordNo, head, head + Math.max(capacity, live));
            bits = Arrays.copyOfRange(bits, head, head + Math.max(capacity, live));
            latestMs = Arrays.copyOfRange(latestMs, head, head + Math.max(capacity, live));
        } else {
            System.arraycopy(wordNo, head, wordNo, 0, live);
            System.arraycopy(bits, head, bits, 0, live);
            System.arraycopy(latestMs, head, latestMs, 0, live);
        }
        head = 0;
        end = live;
    }

    /** Moves {@code contiguous} over the pending records that follow it, forgetting them. */
    private void advance() {
        while (head < end) {
            long next = contiguous + 1;
            if (wordNo[head] != next >> 6) {
                return;
            }
            long run = Long.numberOfTrailingZeros(~(bits[head] >>> (next & 63)));
            if (run == 0) {
                return;
            }
            contiguous += Math.min(run, 64 - (next & 63));
            dropThrough(contiguous);
        }
    }

    /** Forgets every pending seq up to {@code seq}. */
    private void dropThrough(long seq) {
        long w = seq >> 6;
        while (head < end && wordNo[head] < w) {
            head++;
        }
        if (head < end && wordNo[head] == w) {
            long keep = (seq & 63) == 63 ? 0 : -1L << ((seq & 63) + 1);
            bits[head] &= keep;
            if (bits[head] == 0) {
                head++;
            }
        }
        if (head == end) {
            head = 0;
            end = 0;
            if (wordNo.length > 64) {
                compact(4);
            }
        }
    }

    /**
     * Settles the gaps before every pending record whose word's records are all older than the hold at
     * event time {@code now}, and the run of records that then follows on.
     */
    public void settle(long now, long holdMillis) {
        long oldestExpired = Long.MIN_VALUE;
        for (int i = end - 1; i >= head; i--) {
            if (roundUpToSecond(latestMs[i] + holdMillis) <= now) {
                oldestExpired = (wordNo[i] << 6) + 63 - Long.numberOfLeadingZeros(bits[i]);
                break;
            }
        }
        if (oldestExpired == Long.MIN_VALUE) {
            return;
        }
        settled = true;
        contiguous = oldestExpired;
        dropThrough(contiguous);
        advance();
    }

    /** Whether the stream has been silent for the idle timeout at {@code now} with nothing pending. */
    public boolean idle(long now, long idleMillis) {
        return head == end && roundUpToSecond(lastSeenMs + idleMillis) <= now;
    }

    public boolean hasPending() {
        return head < end;
    }

    /** Number of pending words (state size). */
    int pendingWords() {
        return end - head;
    }

    /** Restores pending records of an earlier state format: seqs {@code lo..hi}, latest event time {@code tsMs}. */
    void markRange(long lo, long hi, long tsMs) {
        for (long w = lo >> 6; w <= hi >> 6; w++) {
            long from = Math.max(lo, w << 6) & 63;
            long to = Math.min(hi, (w << 6) + 63) & 63;
            long mask = (to == 63 ? -1L : (1L << (to + 1)) - 1) & (-1L << from);
            int i = find(w);
            if (i == end || wordNo[i] != w) {
                i = insertWord(i, w);
                bits[i] = 0;
                latestMs[i] = tsMs;
            }
            bits[i] |= mask;
            latestMs[i] = Math.max(latestMs[i], tsMs);
        }
    }

    static long roundUpToSecond(long millis) {
        return Math.floorDiv(millis + 999, 1000) * 1000;
    }
}
