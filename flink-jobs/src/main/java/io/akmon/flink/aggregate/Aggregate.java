package io.akmon.flink.aggregate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.akmon.flink.sink.Json;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What the job emits: one document per kind, key and window. {@link #id} is deterministic
 * ({@code <kind>/<resolution>/<host>/<key>/<window start>}), so a sink can upsert idempotently and a
 * late update of a window replaces the earlier version.
 *
 * <p>Between operators an aggregate travels as its JSON document ({@link AggregateTypeInfo}), and the
 * receiving side keeps those bytes, so a sink writes the document without serializing it again.
 * A document is not changed once emitted.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@TypeInfo(AggregateTypeInfo.Factory.class)
public abstract class Aggregate {
    public String id;
    public String kind;
    /** Window size label, e.g. "10s" or "1m". */
    public String resolution;
    /** Window start, epoch milliseconds. */
    public long timestamp;
    /** Window end (exclusive), epoch milliseconds. */
    public long windowEnd;
    public String host;
    /** Fraction of the host's records in this window that reached the job: 1.0 = complete. */
    public double coverage = 1.0;
    /**
     * false on a live partial: the window is still open and its figures grow until it closes. Partials go
     * only to Elasticsearch and the live topic, under the id the final document then replaces (see
     * FoldOperator#LIVE).
     */
    @JsonProperty("final")
    public boolean isFinal = true;

    /** The JSON document, once written or as received. */
    private transient byte[] json;

    /** The JSON document (snake_case fields), serialized once. */
    public byte[] jsonBytes() {
        if (json == null) {
            json = Json.bytes(this);
        }
        return json;
    }

    void keepJson(byte[] bytes) {
        this.json = bytes;
    }

    protected void identify(String kind, String resolution, String host, String key, long start, long end) {
        this.kind = kind;
        this.resolution = resolution;
        this.host = host;
        this.timestamp = start;
        this.windowEnd = end;
        this.id = kind + '/' + resolution + '/' + host + (key == null ? "" : "/" + key) + '/' + start;
    }

    /** Seconds in the window, for rates. */
    protected double windowSeconds() {
        return (windowEnd - timestamp) / 1000.0;
    }

    protected static double perSecond(long amount, double seconds) {
        return seconds <= 0 ? 0 : amount / seconds;
    }

    /** on-CPU time over the window, in percent of one core. */
    protected static double cpuPercent(long onCpuNs, long windowMillis) {
        return windowMillis <= 0 ? 0 : onCpuNs / (windowMillis * 1_000_000.0) * 100.0;
    }

    @Override
    public String toString() {
        return id + " coverage=" + coverage;
    }
}
