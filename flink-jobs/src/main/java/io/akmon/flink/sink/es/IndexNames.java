package io.akmon.flink.sink.es;

import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Names of the time-based indices and their read aliases: documents go to
 * {@code akmon-metrics-2026.11.24} (UTC day of the document's timestamp, or {@code akmon-metrics-2026.11}
 * monthly) and are read through the alias {@code akmon-metrics} or the pattern {@code akmon-metrics*}.
 */
public final class IndexNames implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DEFAULT_PREFIX = "akmon";
    public static final String METRICS = "metrics";
    public static final String ALERTS = "alerts";
    public static final String[] FAMILIES = {METRICS, ALERTS};

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy.MM").withZone(ZoneOffset.UTC);

    private final String prefix;
    private final EsSinkOptions.IndexPeriod period;

    public IndexNames(String prefix, EsSinkOptions.IndexPeriod period) {
        this.prefix = prefix;
        this.period = period;
    }

    public static IndexNames defaults() {
        return new IndexNames(DEFAULT_PREFIX, EsSinkOptions.IndexPeriod.DAILY);
    }

    /** The read alias of a family, e.g. {@code akmon-metrics}. */
    public String alias(String family) {
        return prefix + "-" + family;
    }

    /** The pattern matching every dated index of a family, e.g. {@code akmon-metrics-*}. */
    public String pattern(String family) {
        return alias(family) + "-*";
    }

    /** The index holding a document of this family with this timestamp (epoch ms). */
    public String index(String family, long timestampMillis) {
        Instant t = Instant.ofEpochMilli(timestampMillis);
        return alias(family) + "-" + (period == EsSinkOptions.IndexPeriod.DAILY ? DAY.format(t) : MONTH.format(t));
    }

    /**
     * When the period of a dated index of this family ends (exclusive), or empty if the name is not one
     * of ours (other indices are never touched by the retention).
     */
    public Optional<Instant> periodEnd(String family, String index) {
        String head = alias(family) + "-";
        if (!index.startsWith(head)) {
            return Optional.empty();
        }
        String date = index.substring(head.length());
        try {
            if (period == EsSinkOptions.IndexPeriod.DAILY && date.length() == 10) {
                return Optional.of(LocalDate.parse(date, DAY).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
            }
            if (period == EsSinkOptions.IndexPeriod.MONTHLY && date.length() == 7) {
                return Optional.of(LocalDate.parse(date + ".01", DAY).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant());
            }
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
