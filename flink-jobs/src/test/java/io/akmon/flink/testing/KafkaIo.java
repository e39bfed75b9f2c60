package io.akmon.flink.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.ingest.Event;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writing the agent's topics and reading the job's outputs the way consumers do, on a real broker. */
public final class KafkaIo {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KafkaIo() {
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes a workload to one topic per family (2 partitions each), as the agent does (key host/pid),
     * with the poison records halfway. With {@code sentinels}, every partition ends with a record ten
     * minutes later, so an unbounded run sees the watermark pass every window of the workload.
     */
    public static void writeInput(EmbeddedKafka kafka, Workload workload, String prefix, List<String> poison,
                                  boolean sentinels) {
        List<String> topics = new ArrayList<>();
        for (String t : JobOptions.DEFAULT_TOPICS.split(",")) {
            topics.add(prefix + t);
        }
        kafka.createTopics(2, topics.toArray(String[]::new));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        // Plain retries in order: a retry that duplicates a record is what the job must absorb anyway.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            int i = 0;
            for (Event e : workload.sendOrder) {
                sent.add(producer.send(new ProducerRecord<>(prefix + "akmon." + e.type, bytes(e.host + "/" + e.pid),
                        Records.json(e))));
                if (++i == workload.sendOrder.size() / 2) {
                    for (String bad : poison) {
                        producer.send(new ProducerRecord<>(prefix + "akmon.syscall", bytes("host-0/1"), bytes(bad)));
                    }
                }
            }
            if (sentinels) {
                long seq = 0;
                for (String topic : topics) {
                    for (int partition = 0; partition < 2; partition++) {
                        Event s = Records.base("agent", "~sentinel", -1, ++seq, Workload.T0 + 600_000, 0, null);
                        producer.send(new ProducerRecord<>(topic, partition, bytes("~sentinel/0"), Records.json(s)));
                    }
                }
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                try {
                    f.get();
                } catch (InterruptedException | ExecutionException e) {
                    throw new IllegalStateException("writing the input failed", e);
                }
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> readCommittedConsumer(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Committed records of a topic, read as a read_committed consumer would. */
    public static List<String> readCommitted(String bootstrapServers, String topic) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = readCommittedConsumer(bootstrapServers)) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 30_000;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                assertTrue(System.currentTimeMillis() < deadline, "timed out reading " + topic);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return values;
    }

    /** How far a read_committed reader can read partition 0 (its last stable offset). */
    public static long committedEnd(String bootstrapServers, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = readCommittedConsumer(bootstrapServers)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** Aggregates by document id; fails if any id was committed twice (a window counted twice). */
    public static Map<String, JsonNode> aggregates(String bootstrapServers, String topic) {
        Map<String, JsonNode> byId = new TreeMap<>();
        for (String v : readCommitted(bootstrapServers, topic)) {
            try {
                JsonNode n = JSON.readTree(v);
                JsonNode previous = byId.put(n.get("id").asText(), n);
                // A session document is updated in place while its process lives; the latest one counts.
                if (!"session".equals(n.get("kind").asText())) {
                    assertEquals(null, previous, "document committed twice: " + n.get("id").asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return byId;
    }
}
