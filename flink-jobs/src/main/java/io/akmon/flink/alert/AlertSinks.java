package io.akmon.flink.alert;

import io.akmon.flink.sink.Json;
import io.akmon.flink.sink.es.ElasticsearchSinks;
import io.akmon.flink.sink.es.EsBulkSink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/** The alerts topic: JSON alerts keyed by alert id, so compaction keeps each alert's latest count. */
public final class AlertSinks {
    private AlertSinks() {
    }

    /** Dated alert indices; an alert's id names rule, key and first match, so a replay overwrites it. */
    public static EsBulkSink<Alert> elasticsearch(AlertOptions options) {
        return ElasticsearchSinks.alerts(options.es, a -> a.id, a -> a.timestamp,
                ElasticsearchSinks.kafkaDeadLetters(options.es, options.bootstrapServers, options.kafkaProperties));
    }

    /** Dead letters into --dead-letter-topic, in transactions like the alerts when --exactly-once. */
    public static KafkaSink<io.akmon.flink.ingest.DeadLetter> deadLetters(AlertOptions options) {
        String topic = options.deadLetterTopic;
        KafkaRecordSerializationSchema<io.akmon.flink.ingest.DeadLetter> schema = (d, ctx, ts) ->
                new ProducerRecord<>(topic, Json.bytes(d));
        KafkaSinkBuilder<io.akmon.flink.ingest.DeadLetter> b = KafkaSink.<io.akmon.flink.ingest.DeadLetter>builder()
                .setBootstrapServers(options.bootstrapServers)
                .setRecordSerializer(schema);
        if (options.exactlyOnce) {
            b.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .setTransactionalIdPrefix(options.transactionalIdPrefix + "-deadletters")
                    .setProperty("transaction.timeout.ms", "600000");
        } else {
            b.setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        options.kafkaProperties.forEach(b::setProperty);
        return b.build();
    }

    public static KafkaSink<Alert> kafka(AlertOptions options) {
        String topic = options.alertsTopic;
        KafkaRecordSerializationSchema<Alert> schema = (a, ctx, ts) -> new ProducerRecord<>(topic, null,
                a.timestamp, a.id.getBytes(StandardCharsets.UTF_8), Json.bytes(a));
        KafkaSinkBuilder<Alert> b = KafkaSink.<Alert>builder()
                .setBootstrapServers(options.bootstrapServers)
                .setRecordSerializer(schema);
        if (options.exactlyOnce) {
            b.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .setTransactionalIdPrefix(options.transactionalIdPrefix)
                    .setProperty("transaction.timeout.ms", "600000");
        } else {
            b.setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        options.kafkaProperties.forEach(b::setProperty);
        return b.build();
    }
}
