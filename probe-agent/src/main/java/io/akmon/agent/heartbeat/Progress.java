package io.akmon.agent.heartbeat;

import java.util.function.LongSupplier;

/**
 * How far the agent has handed records to its sink, in event time: a time P such that every record
 * with an earlier event time has been accepted. Two producers of records bound it:
 * <ul>
 *   <li>the kernel reader: a poll round that began at time T and completed has read every record the
 *       kernel committed before T, so a record stamped before T minus {@link #GUARD_NS} (the longest a
 *       program takes from its timestamp to its commit) is in; rounds end at least every poll timeout;</li>
 *   <li>the drain: its records carry the drain's start time, so while one runs P stays before it.</li>
 * </ul>
 * The sink's own records (health, loss) are stamped when written, after any progress it was told.
 * {@link #tick} is called from one thread (the heartbeat timer); the drain calls the other two.
 */
public final class Progress {
    /** Slack for a kernel program between its timestamp and the record's commit, and for clock reads. */
    public static final long GUARD_NS = 10_000_000L;

    private final LongSupplier rounds;
    private final LongSupplier clockNs;
    private long candidateNs;
    private long candidateRound = -1;
    private long readerNs;
    /** The running drain's start (epoch ns), or -1. */
    private long drainStartNs = -1;

    /**
     * @param rounds  completed poll rounds of the kernel reader
     * @param clockNs now, in the records' clock (epoch ns)
     */
    public Progress(LongSupplier rounds, LongSupplier clockNs) {
        this.rounds = rounds;
        this.clockNs = clockNs;
    }

    /** Before a drain reads its clock: its records will be stamped at or after this. */
    public synchronized void drainStarted() {
        drainStartNs = clockNs.getAsLong();
    }

    public synchronized void drainEnded() {
        drainStartNs = -1;
    }

    /** The progress now (epoch ns), or 0 while nothing is known yet. */
    public synchronized long tick() {
        long now = clockNs.getAsLong();
        long done = rounds.getAsLong();
        if (candidateRound >= 0 && done >= candidateRound) {
            readerNs = candidateNs;
            candidateRound = -1;
        }
        if (candidateRound < 0) {
            // A round in progress at `now` may have read before it; the round after it starts later.
            candidateNs = now;
            candidateRound = done + 2;
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
