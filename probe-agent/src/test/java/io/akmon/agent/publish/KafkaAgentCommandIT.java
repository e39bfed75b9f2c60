package io.akmon.agent.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.schema.Fields;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged agent with {@code --sink kafka}: records land in the family topics; bad input gets one clear line. */
class KafkaAgentCommandIT {
    private static final Path JAR = Path.of("target", "akmon-agent.jar");
    private static EmbeddedKafka kafka;

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static Result run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "agent did not stop");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void recordsFromTheKernelArriveInTheFamilyTopics() throws Exception {
        Result r = run("--sink", "kafka", "--bootstrap", kafka.bootstrapServers(), "--spool-dir", tmp.resolve("spool").toString(),
                "--topic-prefix", "e2e.", "--duration", "3s", "--interval", "500ms", "--pin-dir", "", "--health-interval", "1s");
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out(), "nothing on stdout with the kafka sink");

        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        ObjectMapper json = new ObjectMapper();
        Set<String> types = new HashSet<>();
        JsonNode lastHealth = null;
        long healthSeq = -1;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String family : List.of("syscall", "cpu", "agent")) {
                consumer.partitionsFor("e2e." + family).forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int quiet = 0;
            while (System.nanoTime() < deadline && quiet < 5) {
                int n = 0;
                for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(300))) {
                    n++;
                    int partitions = consumer.partitionsFor(rec.topic()).size();
                    for (String value : io.akmon.agent.testing.KafkaTopics.records(rec)) {
                        JsonNode node = json.readTree(value);
                        assertEquals(1, node.get(Fields.SCHEMA).asInt());
                        String type = node.get(Fields.TYPE).asText();
                        assertEquals("e2e." + type, rec.topic());
                        String key = node.get(Fields.HOST).asText() + "/" + node.get(Fields.PID).asInt();
                        assertEquals(KafkaSink.partitionOf(key.getBytes(java.nio.charset.StandardCharsets.UTF_8), partitions),
                                rec.partition(), "each record in the partition its key host/pid picks");
                        types.add(type);
                        if (type.equals("agent") && node.get(Fields.SEQ).asLong() > healthSeq) {
                            healthSeq = node.get(Fields.SEQ).asLong();
                            lastHealth = node;
                        }
                    }
                }
                quiet = n == 0 ? quiet + 1 : 0;
            }
        }
        assertTrue(types.contains("syscall") && types.contains("cpu") && types.contains("agent"), "types seen: " + types);
        assertTrue(lastHealth.get(KafkaSink.RECORDS_ACCEPTED).asLong() > 0, lastHealth.toString());
        assertEquals(0, lastHealth.get(KafkaSink.SPOOL_FULL_DROPPED).asLong());
        assertEquals(KafkaSink.PUBLISHER_STREAM, lastHealth.get(Fields.CPU).asInt());
    }

    @Test
    void badKafkaSettingsGetOneClearLine() throws Exception {
        Result r = run("--sink", "kafka", "--spool-dir", tmp.resolve("s1").toString(), "--pin-dir", "");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("bootstrap servers are not set") && r.err().contains("--bootstrap"), r.err());

        r = run("--sink", "kafka", "--bootstrap", kafka.bootstrapServers(), "--replication-factor", "3",
                "--spool-dir", tmp.resolve("s2").toString(), "--pin-dir", "");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("replication factor 3") && r.err().contains("at most 1"), r.err());

        r = run("--sink", "kafka", "--bootstrap", kafka.bootstrapServers(), "--spool-max-bytes", "lots",
                "--spool-dir", tmp.resolve("s3").toString(), "--pin-dir", "");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--spool-max-bytes 'lots'"), r.err());
    }
}
