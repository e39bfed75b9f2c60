package io.akmon.agent.publish;

import io.akmon.schema.EventType;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the sink dropped, by reason and family, and how much of it has been reported in loss
 * records. Counting is lock-free (any thread); reporting is one thread at a time.
 */
public final class LossLedger {
    public static final String SPOOL_FULL = "spool_full";
    public static final String SPOOL_IO = "spool_io";
    public static final String SHED = "shed";
    public static final String KAFKA_REJECTED = "kafka_rejected";
    /** Records in a spool segment damaged on disk, skipped; their family is unknown. */
    public static final String SPOOL_CORRUPT = "spool_corrupt";

    /** Reasons a record of a known family is dropped, in index order. */
    public enum Reason {
        FULL(SPOOL_FULL), IO(SPOOL_IO), SHED(LossLedger.SHED), REJECTED(KAFKA_REJECTED);

        public final String source;

        Reason(String source) {
            this.source = source;
        }
    }

    /** The family of a spool-corrupt loss report: the records could not be read. */
    public static final String UNKNOWN_FAMILY = "unknown";

    private static final int TYPES = EventType.values().length;
    private static final Reason[] REASONS = Reason.values();

    /** [reason * TYPES + type ordinal]: records dropped. */
    private final AtomicLongArray dropped = new AtomicLongArray(REASONS.length * TYPES);
    /** What of {@link #dropped} has been written out as loss reports. */
    private final long[] reported = new long[REASONS.length * TYPES];
    private final AtomicLong corrupt = new AtomicLong();
    private long corruptReported;

    /** Writes one loss report; says whether it was written, or that reporting must stop for now. */
    public interface Writer {
        enum Outcome { WRITTEN, REFUSED, STOP }

        Outcome write(String source, long lost, String recordType);
    }

    public void count(Reason reason, EventType type) {
        dropped.incrementAndGet(reason.ordinal() * TYPES + type.ordinal());
    }

    /** As {@link #count(Reason, EventType)} for a family known by ordinal; a negative ordinal (unknown family) is not counted. */
    public void count(Reason reason, int typeOrdinal) {
        if (typeOrdinal >= 0) {
            dropped.incrementAndGet(reason.ordinal() * TYPES + typeOrdinal);
        }
    }

    public void countCorrupt(long records) {
        corrupt.addAndGet(records);
    }

    public long dropped(EventType type, Reason reason) {
        return dropped.get(reason.ordinal() * TYPES + type.ordinal());
    }

    /** Records of this family dropped for this reason, by the reason's source name. */
    public long dropped(EventType type, String source) {
        return dropped(type, reason(source));
    }

    public long total(Reason reason) {
        long n = 0;
        for (int t = 0; t < TYPES; t++) {
            n += dropped.get(reason.ordinal() * TYPES + t);
        }
        return n;
    }

    /** Totals by loss-record source, every source listed (0 if none). */
    public java.util.Map<String, Long> bySource() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        for (Reason r : REASONS) {
            m.put(r.source, total(r));
        }
        m.put(SPOOL_CORRUPT, corrupt());
        return m;
    }

    public long corrupt() {
        return corrupt.get();
    }

    public static Reason reason(String source) {
        for (Reason r : REASONS) {
            if (r.source.equals(source)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown drop source " + source);
    }

    /**
     * Hands every drop not yet reported to {@code writer}, one report per (reason, family), then
     * the corrupt records; marks what was written. Returns false if the writer said STOP.
     */
    public synchronized boolean report(Writer writer) {
        for (int s = 0; s < REASONS.length; s++) {
            for (int t = 0; t < TYPES; t++) {
                int i = s * TYPES + t;
                long delta = dropped.get(i) - reported[i];
                if (delta <= 0) {
                    continue;
                }
                Writer.Outcome o = writer.write(REASONS[s].source, delta, EventType.values()[t].wireName());
                if (o == Writer.Outcome.STOP) {
                    return false;
                }
                if (o == Writer.Outcome.WRITTEN) {
                    reported[i] += delta;
                }
            }
        }
        long c = corrupt.get() - corruptReported;
        if (c > 0) {
            Writer.Outcome o = writer.write(SPOOL_CORRUPT, c, UNKNOWN_FAMILY);
            if (o == Writer.Outcome.STOP) {
                return false;
            }
            if (o == Writer.Outcome.WRITTEN) {
                corruptReported += c;
            }
        }
        return true;
    }
}
