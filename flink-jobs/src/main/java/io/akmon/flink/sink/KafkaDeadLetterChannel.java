package io.akmon.flink.sink;

import io.akmon.flink.ingest.DeadLetter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/** Dead letters as JSON records in a Kafka topic, at least once (idempotent producer, flushed on checkpoints). */
public final class KafkaDeadLetterChannel implements DeadLetterChannel {
    private static final long serialVersionUID = 1L;

    private final String bootstrapServers;
    private final Map<String, String> properties;
    private final String topic;

    public KafkaDeadLetterChannel(String bootstrapServers, Map<String, String> properties, String topic) {
        this.bootstrapServers = bootstrapServers;
        this.properties = new LinkedHashMap<>(properties);
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }

    @Override
    public Writer open() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putAll(properties);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        AtomicReference<Exception> failure = new AtomicReference<>();
        return new Writer() {
            @Override
            public void send(DeadLetter d) {
                producer.send(new ProducerRecord<>(topic, Json.bytes(d)), (meta, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }

            @Override
            public void flush() {
                producer.flush();
                Exception e = failure.getAndSet(null);
                if (e != null) {
                    throw new IllegalStateException("cannot write dead letters to Kafka topic " + topic + ": " + e, e);
                }
            }

            @Override
            public void close() {
                producer.close(Duration.ofSeconds(10));
            }
        };
    }
}
