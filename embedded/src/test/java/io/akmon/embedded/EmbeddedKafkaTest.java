package io.akmon.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedKafkaTest {

    @Test
    void producesConsumesSurvivesRestartAndDeletesTemporaryData() throws Exception {
        Path dir;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            dir = kafka.dataDir();
            kafka.createTopics(3, "t");
            produce(kafka, "t", 0, 500);
            assertEquals(expected(0, 500), consumeAll(kafka, "t", 500));

            int port = kafka.port();
            kafka.stop();
            assertFalse(kafka.isRunning());
            kafka.restart();
            assertTrue(kafka.isRunning());
            assertEquals(port, kafka.port());

            produce(kafka, "t", 500, 1000);
            assertEquals(expected(0, 1000), consumeAll(kafka, "t", 1000));
        }
        assertFalse(Files.exists(dir), "temporary data deleted on close");
    }

    @Test
    void givenDirectoryKeepsDataAcrossInstances(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            kafka.createTopics(1, "kept");
            produce(kafka, "kept", 0, 100);
        }
        assertTrue(Files.isDirectory(dir.resolve("kafka-logs")));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            assertEquals(expected(0, 100), consumeAll(kafka, "kept", 100));
        }
    }

    @Test
    void autoCreateIsOffByDefaultAndCanBeEnabled(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("a"))) {
            Map<String, Object> p = producerProps(kafka);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                assertThrows(Exception.class,
                        () -> producer.send(new ProducerRecord<>("nope", "k", "v")).get(10, TimeUnit.SECONDS));
            }
            try (Admin admin = kafka.admin()) {
                assertFalse(admin.listTopics().names().get().contains("nope"));
            }
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("b"),
                EmbeddedKafka.Options.defaults().autoCreateTopics(true).partitions(4))) {
            produce(kafka, "auto", 0, 10);
            try (Admin admin = kafka.admin()) {
                assertEquals(4, admin.describeTopics(Set.of("auto")).allTopicNames().get()
                        .get("auto").partitions().size());
            }
        }
    }

    private static List<String> expected(int from, int to) {
        List<String> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add("v" + i);
        }
        return l;
    }

    private static Map<String, Object> producerProps(EmbeddedKafka kafka) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return p;
    }

    private static void produce(EmbeddedKafka kafka, String topic, int from, int to) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(kafka))) {
            for (int i = from; i < to; i++) {
                // one key: one partition, so the read-back order is the produce order
                producer.send(new ProducerRecord<>(topic, "key", "v" + i));
            }
            producer.flush();
        }
    }

    private static List<String> consumeAll(EmbeddedKafka kafka, String topic, int expected) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            // nothing beyond what was expected
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }
}
