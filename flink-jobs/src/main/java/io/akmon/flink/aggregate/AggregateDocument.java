package io.akmon.flink.aggregate;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.util.RawValue;

import java.nio.charset.StandardCharsets;

/**
 * An aggregate as a task downstream of the fold receives it ({@link AggregateTypeInfo}): its identity
 * (id, kind, resolution, host, window, coverage, final) and its JSON document, the figures not read back
 * into an object. The sinks need no more: they write the document's bytes under its id. Kinds whose
 * figures a downstream operator reads (host windows, for the cluster roll-up and the per-syscall
 * documents) arrive as their own class instead.
 */
public final class AggregateDocument extends Aggregate {
    AggregateDocument(String kind, String id, String resolution, String host, long timestamp, long windowEnd,
                      double coverage, boolean isFinal, byte[] json) {
        this.kind = kind;
        this.id = id;
        this.resolution = resolution;
        this.host = host;
        this.timestamp = timestamp;
        this.windowEnd = windowEnd;
        this.coverage = coverage;
        this.isFinal = isFinal;
        keepJson(json);
    }

    /** Written as JSON, it is its document, unchanged. */
    @JsonValue
    public RawValue document() {
        return new RawValue(new String(jsonBytes(), StandardCharsets.UTF_8));
    }
}
