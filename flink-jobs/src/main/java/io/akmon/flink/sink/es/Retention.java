package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Retention without X-Pack ILM: a dated index is deleted once its whole period (day or month) ended more
 * than {@code retentionDays} days ago, so the last N days of documents are always kept. Only indices
 * named {@code <prefix>-<family>-<date>} are considered; anything else is left alone.
 */
public final class Retention {
    private Retention() {
    }

    /** The dated indices of both families that the retention would delete now. */
    public static List<String> expired(List<String> indices, IndexNames names, int retentionDays, Instant now) {
        List<String> expired = new ArrayList<>();
        if (retentionDays <= 0) {
            return expired;
        }
        Instant cutoff = now.minus(Duration.ofDays(retentionDays));
        for (String index : indices) {
            for (String family : IndexNames.FAMILIES) {
                Optional<Instant> end = names.periodEnd(family, index);
                if (end.isPresent() && !end.get().isAfter(cutoff)) {
                    expired.add(index);
                }
            }
        }
        expired.sort(null);
        return expired;
    }

    /** The existing dated indices of both families that the retention would delete now. */
    public static List<String> expired(EsClient es, EsSinkOptions options, Instant now) {
        IndexNames names = options.indexNames();
        List<String> existing = new ArrayList<>();
        for (String family : IndexNames.FAMILIES) {
            existing.addAll(indices(es, names.pattern(family)));
        }
        return expired(existing, names, options.retentionDays, now);
    }

    /** Deletes the expired indices; returns their names. */
    public static List<String> apply(EsClient es, EsSinkOptions options, Instant now) {
        List<String> expired = expired(es, options, now);
        for (String index : expired) {
            // A concurrent run may have deleted it already.
            es.call("DELETE", "/" + index, null, true);
        }
        return expired;
    }

    /** Names of the indices matching a pattern. */
    public static List<String> indices(EsClient es, String pattern) {
        JsonNode rows = es.get("/_cat/indices/" + pattern + "?format=json&h=index&expand_wildcards=all");
        List<String> names = new ArrayList<>();
        rows.forEach(r -> names.add(r.path("index").asText()));
        names.sort(null);
        return names;
    }
}
