package io.akmon.flink.fold;

/**
 * One process's whole life on one host so far: the sum of every record folded into its base windows
 * (a {@link ProcessFold} merged at each flush, so it equals the sum of those windows exactly), with
 * what its session document needs besides: a stable id, the span of windows it covers, the lowest
 * coverage among them, and whether it changed since it was last emitted.
 */
public final class SessionFold {
    public ProcessFold life = new ProcessFold();
    /** Window start (ms) where the session began: its id and its document's timestamp, fixed once set. */
    public long firstStart = Long.MIN_VALUE;
    /** End (ms) of the latest base window with a record of the process. */
    public long lastEnd = Long.MIN_VALUE;
    /** The lowest coverage of the emitted host windows the process had records in. */
    public double coverage = 1.0;
    /** Changed since its document was last emitted. */
    public boolean changed;
    /** Emitted at least once: its id (from {@link #firstStart}) no longer changes. */
    public boolean emitted;

    /** Adds a base window's records of the process (from {@code start} to {@code end}, ms). */
    public void add(ProcessFold f, long start, long end) {
        if (firstStart == Long.MIN_VALUE || (!emitted && start < firstStart)) {
            firstStart = start;
        }
        lastEnd = Math.max(lastEnd, end);
        life.merge(f);
        changed = true;
    }

    /**
     * Whether a fold starts a new life of the pid: the session's process exited and the fold has a start
     * after that exit (the pid was reused).
     */
    public boolean endedBefore(ProcessFold f) {
        return life.has(ProcessFold.EXIT) && f.has(ProcessFold.START) && f.startTs > life.exitTs;
    }
}
