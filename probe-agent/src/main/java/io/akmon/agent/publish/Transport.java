package io.akmon.agent.publish;

import java.time.Duration;

/**
 * What the publisher needs of a Kafka producer: send a record, know a topic's partitions, close.
 * {@link KafkaTransport} is the real one; unit tests give the publisher a fake that answers as the
 * test says, so ordered acknowledgement, recovery and the heartbeat fan-out are tested without a broker.
 */
interface Transport {
    /** Kafka's answer for one send: {@code error} is null once the record is acknowledged. Any thread. */
    interface Answer {
        void done(Exception error);
    }

    /**
     * Hands one Kafka record to the producer; {@code partition} null lets the producer pick it by key.
     *
     * @throws org.apache.kafka.common.KafkaException if the send cannot even start (then no answer follows)
     */
    void send(String topic, Integer partition, byte[] key, byte[] value, Answer answer);

    /** Partitions of the topic as the producer's metadata has them, or -1 if unknown. */
    int partitions(String topic);

    /** Sends what is buffered and waits up to {@code timeout} for its answers; what is still open then fails. */
    void close(Duration timeout);
}
