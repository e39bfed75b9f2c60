package io.akmon.agent.publish;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

import java.time.Duration;

/** {@link Transport} over the idempotent Kafka producer that {@link ClientSettings#producer} configures. */
final class KafkaTransport implements Transport {
    private final KafkaProducer<byte[], byte[]> producer;

    private KafkaTransport(KafkaProducer<byte[], byte[]> producer) {
        this.producer = producer;
    }

    /** A new producer for {@code host}'s sink; a setting Kafka refuses is thrown with the fix. */
    static KafkaTransport open(KafkaSinkConfig config, String host) {
        try {
            return new KafkaTransport(new KafkaProducer<>(ClientSettings.producer(config, host)));
        } catch (KafkaException e) {
            throw ClientSettings.problem(config, e);
        }
    }

    @Override
    public void send(String topic, Integer partition, byte[] key, byte[] value, Answer answer) {
        producer.send(new ProducerRecord<>(topic, partition, key, value), (md, ex) -> answer.done(ex));
    }

    @Override
    public int partitions(String topic) {
        try {
            return producer.partitionsFor(topic).size();
        } catch (KafkaException e) {
            return -1;
        }
    }

    @Override
    public void close(Duration timeout) {
        producer.close(timeout);
    }
}
