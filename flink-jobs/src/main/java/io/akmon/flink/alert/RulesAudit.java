package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.akmon.flink.alert.rules.RuleSet;
import io.akmon.flink.sink.Json;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The audit record the alert job writes when it starts (type {@code audit}, event {@code rules_loaded},
 * topic {@code akmon.audit} like the agent's): who started it, where, when, the rules file and its
 * SHA-256, and which rules were added, changed or removed against the previous start of the same job,
 * found as the newest such record in the topic.
 */
public final class RulesAudit {
    public static final String EVENT = "rules_loaded";
    /** The cpu field of the job's audit records (the agent's own are -3); seq is the start time in ns. */
    public static final int AUDIT_STREAM = -4;

    private RulesAudit() {
    }

    private static final java.util.regex.Pattern PARAM = java.util.regex.Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    /**
     * A digest per rule name: of the rule as written (its YAML item, keys sorted, so moving it or
     * re-indenting changes nothing) together with the values of the parameters it uses, after --param
     * overrides, so a changed threshold is a changed rule.
     */
    @SuppressWarnings("unchecked")
    static Map<String, String> ruleDigests(RuleSet rules, byte[] rulesText) {
        Map<String, String> digests = new TreeMap<>();
        Object top = new org.yaml.snakeyaml.Yaml().load(new String(rulesText, StandardCharsets.UTF_8));
        Object items = top instanceof Map<?, ?> m ? m.get("rules") : null;
        if (!(items instanceof List<?> list)) {
            return digests;
        }
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> rule) || rule.get("name") == null) {
                continue;
            }
            try {
                String definition = Json.MAPPER.writeValueAsString(rule);
                Map<String, Object> used = new TreeMap<>();
                java.util.regex.Matcher matcher = PARAM.matcher(definition);
                while (matcher.find()) {
                    used.put(matcher.group(1), String.valueOf(rules.params.get(matcher.group(1))));
                }
                digests.put(String.valueOf(rule.get("name")), sha256((definition + "\n" + Json.MAPPER.writeValueAsString(used))
                        .getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new IllegalStateException("cannot digest rule " + rule.get("name") + ": " + e.getMessage(), e);
            }
        }
        return digests;
    }

    /** The record for {@code rules}, compared with the rule digests of the previous start (null: none known). */
    public static ObjectNode record(AlertOptions options, RuleSet rules, Map<String, String> previous, String host,
                                    String user, Instant now) {
        long ns = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        byte[] text = rulesText(options);
        Map<String, String> digests = ruleDigests(rules, text);
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("type", "audit");
        r.put("host", host);
        r.put("boot_id", "");
        r.put("cpu", AUDIT_STREAM);
        r.put("seq", ns);
        r.put("ts", ns);
        r.put("timestamp", now.toString());
        r.put("pid", ProcessHandle.current().pid());
        r.put("comm", AlertOptions.COMMAND);
        r.put("event", EVENT);
        r.put("job_name", options.jobName);
        r.put("user", user);
        r.put("rules_file", options.rulesFile == null ? "(default rules)" : options.rulesFile.toAbsolutePath().toString());
        r.put("rules_sha256", sha256(text));
        r.putPOJO("rule_digests", digests);
        r.putPOJO("params", new TreeMap<>(options.params));
        r.put("first_start", previous == null);
        Map<String, String> before = previous == null ? Map.of() : previous;
        r.putPOJO("added", new TreeSet<>(digests.keySet()).stream().filter(n -> !before.containsKey(n)).toList());
        r.putPOJO("changed", digests.entrySet().stream()
                .filter(e -> before.containsKey(e.getKey()) && !before.get(e.getKey()).equals(e.getValue()))
                .map(Map.Entry::getKey).toList());
        r.putPOJO("removed", new TreeSet<>(before.keySet()).stream().filter(n -> !digests.containsKey(n)).toList());
        return r;
    }

    private static byte[] rulesText(AlertOptions options) {
        if (options.rulesFile == null) {
            try (var in = AlertJob.class.getClassLoader().getResourceAsStream(AlertJob.DEFAULT_RULES)) {
                return in == null ? new byte[0] : in.readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        }
        try {
            return Files.readAllBytes(options.rulesFile);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read rules file " + options.rulesFile + ": " + e.getMessage()
                    + "; fix: check the path and its permissions");
        }
    }

    /**
     * Reads the previous record of this job from the audit topic, writes the new one and returns it.
     *
     * @throws IllegalStateException one line naming the topic and the fix when it cannot be written
     */
    public static ObjectNode publish(AlertOptions options, RuleSet rules) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers);
        p.putAll(options.kafkaProperties);
        Map<String, String> previous = previous(p, options.auditTopic, options.jobName);
        ObjectNode r = record(options, rules, previous, host(), System.getProperty("user.name"), Instant.now());
        Properties pp = new Properties();
        pp.putAll(p);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(options.auditTopic, r.path("host").asText().getBytes(StandardCharsets.UTF_8),
                    Json.bytes(r))).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot write the audit record of the rules to kafka topic " + options.auditTopic
                    + " at " + options.bootstrapServers + ": " + cause + "; fix: create the topic and allow this client to write it, "
                    + "or give --audit-topic");
        }
        return r;
    }

    /** The rule digests of the newest {@code rules_loaded} record of job {@code jobName}, or null. */
    static Map<String, String> previous(Properties client, String topic, String jobName) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        JsonNode newest = null;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                return null;
            }
            List<TopicPartition> parts = new ArrayList<>();
            infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            c.assign(parts);
            Map<TopicPartition, Long> ends = c.endOffsets(parts, Duration.ofSeconds(15));
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(300))) {
                    // the agents' audit records share the topic and come in frames (JSON Lines)
                    for (byte[] value : io.akmon.schema.Frames.records(rec.value())) {
                        try {
                            JsonNode n = Json.MAPPER.readTree(value);
                            if (EVENT.equals(n.path("event").asText()) && jobName.equals(n.path("job_name").asText())
                                    && (newest == null || n.path("seq").asLong() > newest.path("seq").asLong())) {
                                newest = n;
                            }
                        } catch (IOException ignored) {
                            // not an audit record of ours
                        }
                    }
                }
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            return null; // nothing to compare with; the write below reports a topic that cannot be used
        }
        if (newest == null) {
            return null;
        }
        Map<String, String> digests = new TreeMap<>();
        newest.path("rule_digests").fields().forEachRemaining(e -> digests.put(e.getKey(), e.getValue().asText()));
        return digests;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
