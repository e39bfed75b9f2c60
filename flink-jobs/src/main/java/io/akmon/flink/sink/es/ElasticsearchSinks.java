package io.akmon.flink.sink.es;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.sink.DeadLetterChannel;
import io.akmon.flink.sink.KafkaDeadLetterChannel;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Elasticsearch 7 sinks of the jobs' outputs ({@link EsBulkSink}): at least once, every checkpoint waits
 * until the buffered documents are stored; documents refused for now are retried with backoff while the
 * job waits, documents refused for good go to a dead-letter channel with Elasticsearch's reason.
 * Deterministic document ids turn repeated writes into overwrites, so the index ends up exactly-once.
 */
public final class ElasticsearchSinks {
    private ElasticsearchSinks() {
    }

    /**
     * Aggregates into {@code <prefix>-metrics-<date>}, id {@link Aggregate#id}, date from {@link Aggregate#timestamp};
     * host windows also as one document per syscall name ({@link AggregateEmitter}).
     */
    public static EsBulkSink<Aggregate> aggregates(EsSinkOptions options, DeadLetterChannel deadLetters) {
        return new EsBulkSink<>(options, new AggregateEmitter(options), deadLetters, options.refreshOnWrite);
    }

    /** As above, refused documents only logged and counted: for tools and tests without Kafka. */
    public static EsBulkSink<Aggregate> aggregates(EsSinkOptions options) {
        return aggregates(options, LoggedDeadLetters.INSTANCE);
    }

    /**
     * Alerts into {@code <prefix>-alerts-<date>}; the id must name the rule, subject and window or firing time.
     * Each bulk request refreshes what it wrote: an alert is searchable once its request returns, not up to
     * a refresh interval later. Alerts are few, so the refreshes cost little.
     */
    public static <T> EsBulkSink<T> alerts(EsSinkOptions options, SerializableFunction<T, String> id,
                                           SerializableFunction<T, Long> timestampMillis, DeadLetterChannel deadLetters) {
        return new EsBulkSink<>(options, new DocumentEmitter<>(options, IndexNames.ALERTS, id, timestampMillis),
                deadLetters, true);
    }

    public static <T> EsBulkSink<T> alerts(EsSinkOptions options, SerializableFunction<T, String> id,
                                           SerializableFunction<T, Long> timestampMillis) {
        return alerts(options, id, timestampMillis, LoggedDeadLetters.INSTANCE);
    }

    /** Any documents serialized as snake_case JSON into a family's dated indices. */
    public static <T> EsBulkSink<T> documents(EsSinkOptions options, String family,
                                              SerializableFunction<T, String> id,
                                              SerializableFunction<T, Long> timestampMillis,
                                              DeadLetterChannel deadLetters) {
        return new EsBulkSink<>(options, new DocumentEmitter<>(options, family, id, timestampMillis), deadLetters);
    }

    /** Dead letters to the options' {@code --es-dead-letter-topic} on a Kafka cluster. */
    public static DeadLetterChannel kafkaDeadLetters(EsSinkOptions options, String bootstrapServers,
                                                     java.util.Map<String, String> kafkaProperties) {
        return new KafkaDeadLetterChannel(bootstrapServers, kafkaProperties, options.deadLetterTopic);
    }

    /** Logs each refused document; the writer's esDeadLetters metric counts them. */
    enum LoggedDeadLetters implements DeadLetterChannel {
        INSTANCE;

        @Override
        public Writer open() {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ElasticsearchSinks.class);
            return new Writer() {
                @Override
                public void send(io.akmon.flink.ingest.DeadLetter d) {
                    log.error("document refused by Elasticsearch, not stored: {} (payload sha256 {})", d.reason, d.payloadSha256);
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
