package io.akmon.flink.alert;

import io.akmon.flink.sink.Json;
import io.akmon.flink.sink.es.ElasticsearchSinks;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchSink;
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
    public static ElasticsearchSink<Alert> elasticsearch(AlertOptions options) {
        return ElasticsearchSinks.alerts(options.es, a -> a.id, a -> a.timestamp);
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
