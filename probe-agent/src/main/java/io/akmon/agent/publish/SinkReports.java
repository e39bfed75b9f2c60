package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The sink's own records, written into the spool like any other: a loss report for each drop not yet
 * reported ({@link LossLedger}), then a health record ({@link HealthRecord}). They belong to the
 * sequence stream cpu = {@link KafkaSink#PUBLISHER_STREAM}, numbered durably by {@link PublisherSequence}.
 */
final class SinkReports {
    private final String host;
    private final String bootId;
    private final PublisherSequence sequence;
    private final LossLedger losses;
    private final SpoolWriter writer;
    private final ProblemLog log;
    private final Path spoolDir;
    private final Supplier<KafkaSink.Stats> stats;
    private final long spoolMaxBytes;
    private final long startedNs = System.currentTimeMillis() * 1_000_000L;
    private final long startedNano = System.nanoTime();
    private final Object lock = new Object();
    private volatile Supplier<Map<String, ?>> extras = Collections::emptyMap;
    private long lastHealthNano;

    SinkReports(String host, String bootId, PublisherSequence sequence, Path spoolDir, LossLedger losses,
                SpoolWriter writer, ProblemLog log, Supplier<KafkaSink.Stats> stats, long spoolMaxBytes) {
        this.host = host;
        this.bootId = bootId;
        this.sequence = sequence;
        this.spoolDir = spoolDir;
        this.losses = losses;
        this.writer = writer;
        this.log = log;
        this.stats = stats;
        this.spoolMaxBytes = spoolMaxBytes;
    }

    /** Held while a report is written: a heartbeat queued under it is stamped before the reports that follow. */
    Object lock() {
        return lock;
    }

    void extras(Supplier<Map<String, ?>> extras) {
        this.extras = extras == null ? Collections::emptyMap : extras;
    }

    /** Writes loss reports for drops not yet reported, then a health record, into the spool. */
    void report() {
        synchronized (lock) {
            long now = System.currentTimeMillis() * 1_000_000L;
            boolean goOn = losses.report((source, lost, recordType) -> {
                Event e = ownRecord(EventType.LOST, now);
                if (e == null) {
                    return LossLedger.Writer.Outcome.STOP;
                }
                e.put(Fields.SOURCE, source).put(Fields.LOST, lost).put(KafkaSink.RECORD_TYPE, recordType);
                return writer.append(e, true, false) ? LossLedger.Writer.Outcome.WRITTEN : LossLedger.Writer.Outcome.REFUSED;
            });
            if (!goOn) {
                return;
            }
            Event health = ownRecord(EventType.AGENT, now);
            if (health == null) {
                return;
            }
            long nano = System.nanoTime();
            long interval = lastHealthNano == 0 ? nano - startedNano : nano - lastHealthNano;
            lastHealthNano = nano;
            writer.append(HealthRecord.fill(health, interval,
                    HealthRecord.figures(stats.get(), startedNs, spoolMaxBytes, extras.get())), true, false);
        }
    }

    /**
     * The sink's own figures of the health record as of now, without the extras: those (e.g. per-program
     * cost since the previous record) are read once per record, and a scrape must not move their interval.
     */
    Map<String, Object> health() {
        return HealthRecord.figures(stats.get(), startedNs, spoolMaxBytes, Map.of());
    }

    /** A record of the sink's own stream, or null if no sequence number can be reserved durably. */
    private Event ownRecord(EventType type, long tsNs) {
        long seq;
        try {
            seq = sequence.next();
        } catch (IOException e) {
            if (writer.startFailing()) {
                log.error("cannot write " + spoolDir.resolve(PublisherSequence.FILE) + ": " + ProblemLog.describe(e)
                        + "; health and loss reports wait until it works; fix: free disk space under " + spoolDir);
            }
            return null;
        }
        return new Event(type, host, bootId, KafkaSink.PUBLISHER_STREAM, seq, tsNs, 0, null);
    }
}
