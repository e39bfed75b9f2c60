package io.akmon.flink.sink.es;

import io.akmon.flink.aggregate.Aggregate;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.elasticsearch.sink.Elasticsearch7SinkBuilder;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchSink;
import org.apache.flink.connector.elasticsearch.sink.FlushBackoffType;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Elasticsearch 7 sinks of the jobs' outputs. At-least-once: every checkpoint waits until the buffered
 * bulk requests are acknowledged (a slow ES backs the job up through backpressure), and a failed bulk
 * request fails the task so the job restarts from its last checkpoint and writes again. Deterministic
 * document ids turn those repeated writes into overwrites, so the index ends up exactly-once.
 */
public final class ElasticsearchSinks {
    private ElasticsearchSinks() {
    }

    /**
     * Aggregates into {@code <prefix>-metrics-<date>}, id {@link Aggregate#id}, date from {@link Aggregate#timestamp};
     * host windows also as one document per syscall name ({@link AggregateEmitter}).
     */
    public static ElasticsearchSink<Aggregate> aggregates(EsSinkOptions options) {
        return build(options, new AggregateEmitter(options));
    }

    /** Alerts into {@code <prefix>-alerts-<date>}; the id must name the rule, subject and window or firing time. */
    public static <T> ElasticsearchSink<T> alerts(EsSinkOptions options, SerializableFunction<T, String> id,
                                                 SerializableFunction<T, Long> timestampMillis) {
        return documents(options, IndexNames.ALERTS, id, timestampMillis);
    }

    /** Any documents serialized as snake_case JSON into a family's dated indices. */
    public static <T> ElasticsearchSink<T> documents(EsSinkOptions options, String family,
                                                    SerializableFunction<T, String> id,
                                                    SerializableFunction<T, Long> timestampMillis) {
        return build(options, new DocumentEmitter<>(options, family, id, timestampMillis));
    }

    private static <T> ElasticsearchSink<T> build(EsSinkOptions options, DocumentEmitter<T> emitter) {
        Elasticsearch7SinkBuilder<T> builder = new Elasticsearch7SinkBuilder<T>()
                .setHosts(options.httpHosts())
                .setEmitter(emitter)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setBulkFlushMaxActions(options.bulkActions)
                .setBulkFlushMaxSizeMb(options.bulkSizeMb)
                .setBulkFlushInterval(options.flushInterval.toMillis())
                .setSocketTimeout((int) options.socketTimeout.toMillis())
                .setConnectionTimeout(5_000);
        switch (options.backoff) {
            case EXPONENTIAL -> builder.setBulkFlushBackoffStrategy(FlushBackoffType.EXPONENTIAL,
                    options.backoffRetries, options.backoffDelay.toMillis());
            case CONSTANT -> builder.setBulkFlushBackoffStrategy(FlushBackoffType.CONSTANT,
                    options.backoffRetries, options.backoffDelay.toMillis());
            case NONE -> { }
        }
        return builder.build();
    }
}
