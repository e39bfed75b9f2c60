package io.akmon.agent.publish;

import io.akmon.agent.spool.Spool;

import java.io.IOException;

/**
 * Forces the spool to disk, so spooled records survive a machine crash too, up to the last force.
 * That fsync can take hundreds of milliseconds on a busy disk, so it runs once a second on a thread
 * of its own and the publisher keeps sending meanwhile; with {@link KafkaSink#INLINE_SPOOL_SYNC_PROPERTY}
 * the publisher forces instead (the benchmark's baseline).
 */
final class SpoolSync {
    private final Spool spool;
    private final ProblemLog log;
    private long lastForcedIndex = -1;

    SpoolSync(Spool spool, ProblemLog log) {
        this.spool = spool;
        this.log = log;
    }

    /** Forces the spool if records were written since the last force; says whether it did. */
    synchronized boolean forceIfWritten() throws IOException {
        long written = spool.nextIndex();
        if (written == lastForcedIndex) {
            return false;
        }
        spool.force();
        lastForcedIndex = written;
        return true;
    }

    /** As {@link #forceIfWritten}, a failure logged (once per episode) rather than thrown: the sync thread's task. */
    void syncQuietly() {
        try {
            forceIfWritten();
        } catch (IOException e) {
            log.problem("cannot force the spool in " + spool.dir() + " to disk: " + ProblemLog.describe(e));
        } catch (RuntimeException e) {
            log.problem("cannot force the spool in " + spool.dir() + " to disk: " + e);
        }
    }
}
