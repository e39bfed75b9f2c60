package io.akmon.agent.testing;

import io.akmon.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/** Reading back what the agent produced: every partition of the topics with a prefix, from the start. */
public final class KafkaTopics {
    private KafkaTopics() {
    }

    /**
     * The agent records of a Kafka record: one, or a frame of several (JSON Lines, {@link io.akmon.schema.Frames});
     * heartbeats (the agent's progress, no records) left out.
     */
    public static List<String> records(ConsumerRecord<String, String> r) {
        return lines(r).stream().filter(s -> !isHeartbeat(s)).toList();
    }

    /** The heartbeats of a Kafka record. */
    public static List<String> heartbeats(ConsumerRecord<String, String> r) {
        return lines(r).stream().filter(KafkaTopics::isHeartbeat).toList();
    }

    /** The agent writes the type first: {@code {"type":"heartbeat",...}}. */
    public static boolean isHeartbeat(String json) {
        return json.startsWith("{\"type\":\"heartbeat\"");
    }

    private static List<String> lines(ConsumerRecord<String, String> r) {
        return io.akmon.schema.Frames.records(r.value());
    }

    /** A consumer assigned every partition of the topics whose names start with {@code prefix}, at offset 0. */
    public static KafkaConsumer<String, String> fromStart(EmbeddedKafka kafka, String prefix) throws Exception {
        List<String> topics = new ArrayList<>();
        try (Admin admin = kafka.admin()) {
            for (String t : new TreeSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS))) {
                if (t.startsWith(prefix)) {
                    topics.add(t);
                }
            }
        }
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : topics) {
            consumer.partitionsFor(t).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        return consumer;
    }
}
