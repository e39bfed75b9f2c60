package io.akmon.flink.sink;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.ingest.DeadLetter;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/**
 * Exactly-once Kafka sinks: records are written in transactions committed on checkpoints, so a
 * read_committed reader sees each window's output once, even across failures and restores. The live
 * partials' sink alone is at least once ({@link #liveAggregates}).
 */
public final class KafkaSinks {
    /** Below the broker's default transaction.max.timeout.ms (15 min). */
    private static final String TRANSACTION_TIMEOUT_MS = "600000";

    private KafkaSinks() {
    }

    /** Aggregates keyed by their document id, so log compaction keeps the latest version of each. */
    public static KafkaSink<Aggregate> aggregates(JobOptions options) {
        return exactlyOnce(KafkaSink.<Aggregate>builder().setRecordSerializer(byId(options.aggregatesTopic)),
                options, "-aggregates");
    }

    /**
     * The live partials, at least once and without transactions, so they are readable at once: a partial
     * written twice (a replay after a restore) is only an earlier view of the document that the final one,
     * under the same id in the aggregates topic, supersedes.
     */
    public static KafkaSink<Aggregate> liveAggregates(JobOptions options) {
        KafkaSinkBuilder<Aggregate> builder = KafkaSink.<Aggregate>builder()
                .setRecordSerializer(byId(options.liveTopic))
                .setBootstrapServers(options.bootstrapServers)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        options.kafkaProperties.forEach(builder::setProperty);
        return builder.build();
    }

    private static KafkaRecordSerializationSchema<Aggregate> byId(String topic) {
        return (a, ctx, ts) -> new ProducerRecord<>(topic, a.id.getBytes(StandardCharsets.UTF_8), a.jsonBytes());
    }

    public static KafkaSink<DeadLetter> deadLetters(JobOptions options) {
        String topic = options.deadLetterTopic;
        KafkaRecordSerializationSchema<DeadLetter> schema = (d, ctx, ts) -> new ProducerRecord<>(topic,
                Json.bytes(d));
        return exactlyOnce(KafkaSink.<DeadLetter>builder().setRecordSerializer(schema), options, "-deadletters");
    }

    private static <T> KafkaSink<T> exactlyOnce(KafkaSinkBuilder<T> builder, JobOptions options, String suffix) {
        builder.setBootstrapServers(options.bootstrapServers)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(options.transactionalIdPrefix + suffix)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS);
        options.kafkaProperties.forEach(builder::setProperty);
        return builder.build();
    }
}
