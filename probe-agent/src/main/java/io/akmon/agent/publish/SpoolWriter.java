package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.spool.Spool;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The caller's side of the sink: serializes a record ({@link SpoolRecord}) into the spool, sheds the
 * families of {@link KafkaSinkConfig#shedOrder} as the spool fills ({@link ShedPolicy}), and counts
 * every record it cannot take in the {@link LossLedger}. A failing disk is said once, and once more
 * when writes succeed again. Any thread.
 */
final class SpoolWriter {
    private final KafkaSinkConfig config;
    private final Spool spool;
    private final LossLedger losses;
    private final ProblemLog log;
    private final Runnable written;
    private final double[] shedAt = new double[EventType.values().length];
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong kernelLost = new AtomicLong();
    private volatile boolean failing;

    /** {@code written} runs after each record taken (it wakes the publisher). */
    SpoolWriter(KafkaSinkConfig config, Spool spool, LossLedger losses, ProblemLog log, Runnable written) {
        this.config = config;
        this.spool = spool;
        this.losses = losses;
        this.log = log;
        this.written = written;
        ShedPolicy.thresholds(config, shedAt);
    }

    /** Opens the spool of {@code config}, a problem thrown as one line with its fix. */
    static Spool open(KafkaSinkConfig config) {
        Path dir = config.spoolPath();
        try {
            return Spool.open(dir, config.spoolMaxBytes);
        } catch (Spool.SpoolLockedException e) {
            throw new ProbeException(e.getMessage(), "stop the other agent, or give this one its own --spool-dir", e);
        } catch (AccessDeniedException e) {
            throw new ProbeException("cannot create or write spool directory " + dir + " (permission denied)",
                    "run as root or point --spool-dir at a writable directory", e);
        } catch (IOException e) {
            throw new ProbeException("cannot open spool directory " + dir + ": " + e,
                    "check the directory and its file system, or point --spool-dir elsewhere", e);
        }
    }

    /** Warns if the file system cannot hold the spool at its bound. */
    void checkFreeSpace() {
        try {
            long free = Files.getFileStore(spool.dir()).getUsableSpace();
            long need = config.spoolMaxBytes - spool.bytes();
            if (free < need) {
                log.warn("only " + size(free) + " free under " + spool.dir() + " while the spool may grow to "
                        + size(config.spoolMaxBytes) + ": a long outage will fill the disk first; free space or lower --spool-max-bytes");
            }
        } catch (IOException e) {
            log.warn("cannot read free space of " + spool.dir() + ": " + e.getMessage());
        }
    }

    private static String size(long bytes) {
        if (bytes >= 10L << 20) {
            return (bytes >> 20) + " MiB";
        }
        return (bytes >> 10) + " KiB";
    }

    /** A record of the agent: shed, spooled, or dropped and counted. Loss records add to the kernel's losses. */
    void accept(Event event) {
        EventType type = event.type();
        boolean control = type == EventType.LOST || type == EventType.AGENT;
        if (type == EventType.LOST && event.get(Fields.LOST) instanceof Number n) {
            kernelLost.addAndGet(n.longValue());
        }
        if (!control && shedAt[type.ordinal()] <= fill()) {
            losses.count(LossLedger.Reason.SHED, type);
            return;
        }
        append(event, control, true);
    }

    /**
     * Appends; returns whether the record is in the spool (a refusal is counted). Control records
     * (loss and health) may use the spool's reserve; {@code fromAgent} counts the record as accepted.
     */
    boolean append(Event event, boolean control, boolean fromAgent) {
        Spool.Result r = spool.append(SpoolRecord.encode(event), control);
        switch (r) {
            case OK -> {
                if (fromAgent) {
                    accepted.incrementAndGet();
                }
                if (failing) {
                    failing = false;
                    log.note("spool writes in " + spool.dir() + " succeed again");
                }
                written.run();
                return true;
            }
            case FULL -> losses.count(LossLedger.Reason.FULL, event.type());
            case IO_ERROR -> {
                losses.count(LossLedger.Reason.IO, event.type());
                if (startFailing()) {
                    log.error("cannot write the spool in " + spool.dir() + ": " + lastError()
                            + "; records that do not fit are dropped and counted (lost records, source " + LossLedger.SPOOL_IO
                            + "); fix: free disk space under " + spool.dir() + " or move --spool-dir to a larger file system");
                }
            }
        }
        return false;
    }

    /** Writes what the spool buffers; a failure is said once and the records stay in memory. */
    void flush() {
        if (!spool.tryFlush() && startFailing()) {
            log.error("cannot write the spool in " + spool.dir() + ": " + lastError()
                    + "; the records are kept in memory and written when it works again; fix: free disk space under "
                    + spool.dir() + " or move --spool-dir to a larger file system");
        }
    }

    /** Marks the spool's directory as failing; true if it was not already (then the caller says why). */
    boolean startFailing() {
        if (failing) {
            return false;
        }
        failing = true;
        return true;
    }

    private String lastError() {
        IOException e = spool.lastWriteError();
        return e == null ? "write failed" : ProblemLog.describe(e);
    }

    private double fill() {
        return (double) spool.bytes() / config.spoolMaxBytes;
    }

    /** Records of the agent taken into the spool. */
    long accepted() {
        return accepted.get();
    }

    /** Sum of {@code lost} over the agent's loss records. */
    long kernelLost() {
        return kernelLost.get();
    }
}
