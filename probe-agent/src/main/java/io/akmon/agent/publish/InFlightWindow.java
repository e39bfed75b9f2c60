package io.akmon.agent.publish;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Records handed to the producer and not yet taken off the spool, in spool order. Kafka answers
 * out of order across partitions; the spool may only be acknowledged up to the first record still
 * waiting, so this window releases the answered prefix. After a failed send, {@link #recover} says
 * where to read the spool again and remembers which later records were delivered meanwhile, so
 * they are skipped rather than sent twice. Used by the publisher thread only; answers
 * ({@link Entry#succeed}, {@link Entry#fail}) may come from any thread.
 */
final class InFlightWindow {
    /** One record in flight. */
    static final class Entry {
        static final int PENDING = 0;
        static final int OK = 1;
        static final int FAILED = 2;
        static final int REJECTED = 3;

        final long index;
        /** Family ordinal, or -1 if unknown. */
        final int type;
        /** Value bytes, counted as produced once delivered. */
        final int bytes;
        int bufferBytes;
        volatile int state;
        volatile Exception error;
        /** Delivered earlier (or a gap of damaged records): counted then, not now. */
        boolean skipped;

        Entry(long index, int type, int bytes) {
            this.index = index;
            this.type = type;
            this.bytes = bytes;
        }

        void succeed() {
            state = OK;
        }

        /** Kafka refused this record for good (too large, invalid): it is dropped and counted. */
        void reject(Exception e) {
            error = e;
            state = REJECTED;
        }

        /** The send failed in a way that a resend may cure. */
        void fail(Exception e) {
            error = e;
            state = FAILED;
        }

        boolean pending() {
            return state == PENDING;
        }
    }

    /** What the window learnt while releasing its answered prefix. */
    interface Answers {
        /** A record Kafka refused for good, in spool order. */
        void rejected(Entry e);

        /** A record delivered now (not one skipped), in spool order. */
        void delivered(Entry e);
    }

    /** Where to go on after a failure: acknowledge up to {@code ackTo} (if >= 0), read again from {@code resendFrom} (if >= 0). */
    record Recovery(long ackTo, long resendFrom) {
    }

    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private final Set<Long> alreadyDelivered = new HashSet<>();
    private long bufferBytes;

    /**
     * Takes a record read from the spool. Returns the entry to send, or null if it was delivered
     * before a resend and is only kept for its place in the order.
     */
    Entry add(long index, int type, int valueBytes, int bufferBytes) {
        Entry f = new Entry(index, type, valueBytes);
        queue.addLast(f);
        if (alreadyDelivered.remove(index)) {
            f.skipped = true;
            f.state = Entry.OK;
            return null;
        }
        f.bufferBytes = bufferBytes;
        this.bufferBytes += bufferBytes;
        return f;
    }

    /** Damaged spool records skipped up to {@code lastIndex}: lets the acknowledged position pass them. */
    void addGap(long lastIndex) {
        Entry gap = new Entry(lastIndex, -1, 0);
        gap.skipped = true;
        gap.state = Entry.OK;
        queue.addLast(gap);
    }

    /** Releases the answered prefix; returns the index to acknowledge the spool to, or -1 if none. */
    long releaseAnswered(Answers answers) {
        long ackTo = -1;
        Entry head;
        while ((head = queue.peekFirst()) != null && head.state != Entry.PENDING && head.state != Entry.FAILED) {
            if (head.state == Entry.REJECTED) {
                answers.rejected(head);
            } else if (!head.skipped) {
                answers.delivered(head);
            }
            ackTo = head.index + 1;
            bufferBytes -= head.bufferBytes;
            queue.pollFirst();
        }
        return ackTo;
    }

    boolean headFailed() {
        Entry head = queue.peekFirst();
        return head != null && head.state == Entry.FAILED;
    }

    /** The error of the first failed record, or null. */
    Exception firstFailure() {
        for (Entry f : queue) {
            if (f.state == Entry.FAILED) {
                return f.error;
            }
        }
        return null;
    }

    /**
     * Empties the window after a failure: the answered prefix is acknowledged, the rest is read
     * again from its first unanswered record, and what was delivered after that is remembered to be
     * skipped. Records refused for good go to {@code rejected}.
     */
    Recovery recover(Consumer<Entry> rejected) {
        long first = -1;
        long ackTo = -1;
        for (Entry f : queue) {
            boolean answered = f.state == Entry.OK || f.state == Entry.REJECTED;
            if (answered && f.state == Entry.REJECTED) {
                rejected.accept(f);
            }
            if (first < 0) {
                if (answered) {
                    ackTo = f.index + 1;
                    continue;
                }
                first = f.index;
            } else if (answered) {
                alreadyDelivered.add(f.index);
            }
        }
        queue.clear();
        bufferBytes = 0;
        return new Recovery(ackTo, first);
    }

    /** Marks records still without an answer as failed (the producer is gone). */
    void failPending(Exception why) {
        for (Entry f : queue) {
            if (f.state == Entry.PENDING) {
                f.fail(why);
            }
        }
    }

    Iterator<Entry> iterator() {
        return queue.iterator();
    }

    Entry head() {
        return queue.peekFirst();
    }

    int size() {
        return queue.size();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Producer buffer bytes held by records in flight. */
    long bufferBytes() {
        return bufferBytes;
    }

    /** Records remembered as delivered ahead of a resend point. */
    int rememberedDelivered() {
        return alreadyDelivered.size();
    }
}
