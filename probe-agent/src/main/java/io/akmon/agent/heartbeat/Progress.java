package io.akmon.agent.heartbeat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * How far the agent has handed records to its sink, in event time: a time P such that every record
 * with an earlier event time has been accepted. Two producers of records bound it:
 * <ul>
 *   <li>the kernel reader: a poll round that began at time T and completed has read every record the
 *       kernel committed before T, so a record stamped before T minus {@link #GUARD_NS} (the longest a
 *       program takes from its timestamp to its commit) is in. {@link #tick} takes T = now and waits for
 *       such a round (poll rounds end at least every poll timeout, 10 ms for the ring buffer), at most
 *       {@code maxWait}; a reader that does not get there keeps the progress where it was;</li>
 *   <li>the drain: its records carry the drain's start time, so while one runs P stays before it.</li>
 * </ul>
 * The sink's own records (health, loss) are stamped when written, after any progress it was told.
 * {@link #tick} is called from one thread (the heartbeat timer); the drain calls the other two.
 */
public final class Progress {
    /** Slack for a kernel program between its timestamp and the record's commit, and for clock reads. */
    public static final long GUARD_NS = 10_000_000L;
    /** How long a tick waits for the reader's round. */
    public static final long MAX_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final LongSupplier rounds;
    private final LongSupplier clockNs;
    private final long maxWaitNs;
    private long readerNs;
    /** The running drain's start (epoch ns), or -1. */
    private long drainStartNs = -1;

    /**
     * @param rounds  completed poll rounds of the kernel reader
     * @param clockNs now, in the records' clock (epoch ns)
     */
    public Progress(LongSupplier rounds, LongSupplier clockNs) {
        this(rounds, clockNs, MAX_WAIT_NS);
    }

    Progress(LongSupplier rounds, LongSupplier clockNs, long maxWaitNs) {
        this.rounds = rounds;
        this.clockNs = clockNs;
        this.maxWaitNs = maxWaitNs;
    }

    /** Before a drain reads its clock: its records will be stamped at or after this. */
    public synchronized void drainStarted() {
        drainStartNs = clockNs.getAsLong();
    }

    public synchronized void drainEnded() {
        drainStartNs = -1;
    }

    /** The progress now (epoch ns), or 0 while nothing is known yet. */
    public long tick() {
        long now = clockNs.getAsLong();
        // A round in progress now may have read before now; the one after it begins later.
        long target = rounds.getAsLong() + 2;
        long deadline = System.nanoTime() + maxWaitNs;
        while (rounds.getAsLong() < target && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000L);
        }
        // A drain that starts after this block reads its clock after `now`; one that started before is seen.
        synchronized (this) {
            if (rounds.getAsLong() >= target) {
                readerNs = Math.max(readerNs, now);
            }
            if (readerNs == 0) {
                return 0;
            }
            long p = readerNs - GUARD_NS;
            if (drainStartNs >= 0) {
                p = Math.min(p, drainStartNs - GUARD_NS);
            }
            return p;
        }
    }
}
