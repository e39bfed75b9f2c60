package io.akmon.agent.publish;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonSetter;
import io.akmon.agent.loader.ProbeException;
import io.akmon.schema.EventType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Settings of {@link KafkaSink}. Public fields so the agent's YAML file can hold them as a
 * {@code kafka:} section (snake_case names, e.g. {@code replication_factor}); {@link #validate()}
 * rejects values that cannot work with a message naming the setting and the fix.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public final class KafkaSinkConfig {
    /** Families shed first under overload, least important first. */
    public static final List<String> DEFAULT_SHED_ORDER =
            List.of("syscall", "net", "disk", "memory", "cpu", "fork", "exit", "exec");
    private static final Set<String> COMPRESSIONS = Set.of("none", "gzip", "snappy", "lz4", "zstd");

    /** Kafka bootstrap servers, {@code host:port[,host:port...]}. Required. */
    public String bootstrap;
    /** Topic of a family unless {@link #topics} names one: prefix + type, e.g. {@code akmon.exec}. */
    public String topicPrefix = "akmon.";
    /** Per-family topic names (family -> topic), overriding the prefix rule. */
    public Map<String, String> topics = new LinkedHashMap<>();
    /** Partitions of topics the agent creates. */
    public int partitions = 3;
    /** Replication factor of topics the agent creates; at most the number of brokers. */
    public short replicationFactor = 1;
    /** Create missing topics (needs the CREATE permission); otherwise refuse to start without them. */
    public boolean createTopics = true;
    /** none, gzip, snappy, lz4 or zstd. */
    public String compression = "lz4";
    public int lingerMs = 20;
    public int batchBytes = 256 * 1024;
    /**
     * Records of one round bound for the same partition travel as one Kafka record (a frame of JSON
     * Lines) of at most this many bytes; 0 sends each record alone. Below the brokers' message.max.bytes.
     */
    public int frameBytes = io.akmon.schema.FrameBuilder.DEFAULT_FRAME_BYTES;
    /** How long the producer retries one batch before the sink takes it back and resends it from the spool. */
    public int deliveryTimeoutMs = 60_000;
    /** How long start-up waits for the cluster before it goes on spooling. */
    public int connectTimeoutMs = 10_000;
    /** On close, how long to keep publishing the spool before leaving the rest for the next start. */
    public int closeTimeoutMs = 10_000;
    /** Directory of the on-disk spool (one agent per directory). */
    public String spoolDir = "/var/lib/akmon/spool";
    /** Bound on the spool's disk usage; past it records are dropped and counted. */
    public long spoolMaxBytes = 1L << 30;
    /** Families to shed under overload, first shed first; {@code lost} and {@code agent} are never shed. Empty: no shedding. */
    public List<String> shedOrder = new ArrayList<>(DEFAULT_SHED_ORDER);
    /** Spool fill (0..1) at which shedding of the first family in {@link #shedOrder} begins. */
    public double shedStart = 0.5;
    /** How often the agent health record (type {@code agent}) and the spool's loss reports are published. */
    public long healthIntervalMs = 10_000;
    /** How often the agent's progress goes to every partition of the event topics as heartbeats; 0: never. */
    public long heartbeatIntervalMs = 100;
    /** Further Kafka client properties (security, timeouts), passed to the producer and the admin client. */
    public Map<String, String> properties = new LinkedHashMap<>();
    /**
     * TLS and SASL by name: in the config file the {@code --kafka-*} options' keys without that prefix
     * ({@code ca}, {@code keystore}, {@code user}, {@code password_file}, ...; README "Configuration"), read by
     * {@code AgentSettings}; turned into {@link #properties} by {@code KafkaOptions.applyTo}.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public io.akmon.schema.security.KafkaSecurityOptions security = new io.akmon.schema.security.KafkaSecurityOptions();

    /** In the config file, a number of bytes or a size such as {@code 512m} or {@code 2g}. */
    @JsonSetter
    public void setSpoolMaxBytes(Object value) {
        spoolMaxBytes = value instanceof Number n ? n.longValue() : parseBytes(String.valueOf(value), "spool_max_bytes");
    }

    /** In the config file, a number of bytes or a size such as {@code 64k}. */
    @JsonSetter
    public void setFrameBytes(Object value) {
        long v = value instanceof Number n ? n.longValue() : parseBytes(String.valueOf(value), "frame_bytes");
        require(v >= 0 && v <= Integer.MAX_VALUE, "kafka frame_bytes must be 0 or a size (got " + value + ")", "use e.g. 64k, or 0");
        frameBytes = (int) v;
    }

    /** Rejects values that cannot work, naming the setting. */
    public KafkaSinkConfig validate() {
        // YAML gives null for an empty item or value; name it instead of failing later.
        require(topics != null, "kafka topics is empty (null)", "give a map of family: topic, or leave it out");
        require(shedOrder != null && shedOrder.stream().noneMatch(java.util.Objects::isNull), "kafka shed_order is empty or has an empty item (null)",
                "list families, e.g. shed_order: [syscall, net], or leave it out");
        require(properties != null && properties.entrySet().stream().noneMatch(e -> e.getKey() == null || e.getValue() == null),
                "kafka properties is empty or has an empty key or value (null)", "give key: value pairs, or leave it out");
        require(bootstrap != null && !bootstrap.isBlank(), "kafka bootstrap servers are not set",
                "give --bootstrap HOST:PORT (or kafka.bootstrap in the config file)");
        for (String server : bootstrap.split(",")) {
            String s = server.trim();
            int colon = s.lastIndexOf(':');
            boolean ok = colon > 0 && colon < s.length() - 1;
            if (ok) {
                try {
                    int port = Integer.parseInt(s.substring(colon + 1));
                    ok = port > 0 && port < 65536;
                } catch (NumberFormatException e) {
                    ok = false;
                }
            }
            require(ok, "invalid kafka bootstrap server '" + s + "'", "use HOST:PORT, e.g. localhost:9092, comma-separated for several");
        }
        require(topicPrefix != null && topicPrefix.matches("[A-Za-z0-9._-]*"),
                "invalid topic_prefix '" + topicPrefix + "'", "use letters, digits, '.', '_' and '-'");
        for (Map.Entry<String, String> e : topics.entrySet()) {
            require(EventType.fromWire(e.getKey()) != null, "unknown family '" + e.getKey() + "' in kafka topics",
                    "use one of " + families());
            require(e.getValue() != null && e.getValue().matches("[A-Za-z0-9._-]{1,249}"),
                    "invalid topic name '" + e.getValue() + "' for family " + e.getKey(), "use letters, digits, '.', '_' and '-'");
        }
        for (EventType t : EventType.values()) {
            String topic = topic(t);
            require(topic.length() <= 249 && !topic.equals(".") && !topic.equals(".."),
                    "invalid topic name '" + topic + "' for family " + t.wireName(), "shorten topic_prefix");
        }
        require(partitions >= 1, "kafka partitions must be at least 1 (got " + partitions + ")", "set --partitions to 1 or more");
        require(replicationFactor >= 1, "kafka replication factor must be at least 1 (got " + replicationFactor + ")",
                "set --replication-factor to 1 or more, at most the number of brokers");
        require(compression != null && COMPRESSIONS.contains(compression.toLowerCase(Locale.ROOT)),
                "unknown kafka compression '" + compression + "'", "use one of none, gzip, snappy, lz4, zstd");
        require(lingerMs >= 0, "kafka linger_ms must be 0 or more (got " + lingerMs + ")", "set it to 0..1000");
        require(batchBytes >= 1024, "kafka batch_bytes must be at least 1024 (got " + batchBytes + ")", "use e.g. 262144");
        require(frameBytes == 0 || (frameBytes >= 1024 && frameBytes <= 1_000_000), "kafka frame_bytes must be 0 or 1k..1000000 bytes (got "
                + frameBytes + ")", "use e.g. 64k, below the brokers' message.max.bytes, or 0 to send each record alone");
        require(deliveryTimeoutMs >= 1000, "kafka delivery_timeout_ms must be at least 1000 (got " + deliveryTimeoutMs + ")",
                "use e.g. 60000");
        require(connectTimeoutMs >= 0, "kafka connect_timeout_ms must be 0 or more (got " + connectTimeoutMs + ")", "use e.g. 10000");
        require(closeTimeoutMs >= 0, "kafka close_timeout_ms must be 0 or more (got " + closeTimeoutMs + ")", "use e.g. 10000");
        require(spoolDir != null && !spoolDir.isBlank(), "spool_dir is empty", "give --spool-dir DIR");
        require(spoolMaxBytes >= 256 * 1024, "spool_max_bytes must be at least 262144 (got " + spoolMaxBytes + ")",
                "give --spool-max-bytes 256k or more (e.g. 1g)");
        for (String f : shedOrder) {
            EventType t = EventType.fromWire(f);
            require(t != null, "unknown family '" + f + "' in shed_order", "use some of " + DEFAULT_SHED_ORDER);
            require(t != EventType.LOST && t != EventType.AGENT, "family '" + f + "' cannot be shed",
                    "remove it from shed_order; loss and health records are never shed");
        }
        require(shedStart > 0 && shedStart <= 1, "shed_start must be within (0, 1] (got " + shedStart + ")", "use e.g. 0.5");
        require(heartbeatIntervalMs == 0 || heartbeatIntervalMs >= 10, "heartbeat_interval_ms must be 0 (off) or at least 10 (got "
                + heartbeatIntervalMs + ")", "use e.g. 100ms; each one is a record per partition of every event topic");
        require(healthIntervalMs >= 100, "health_interval_ms must be at least 100 (got " + healthIntervalMs + ")",
                "use e.g. 10000");
        return this;
    }

    /** The topic records of this family go to. */
    public String topic(EventType type) {
        String t = topics.get(type.wireName());
        return t != null ? t : topicPrefix + type.wireName();
    }

    public Path spoolPath() {
        return Path.of(spoolDir);
    }

    /**
     * Parses a byte size in akmon's one size grammar ({@link io.akmon.schema.Sizes}), e.g. {@code 512m}. Throws with a message naming {@code setting} if it is not one.
     */
    public static long parseBytes(String text, String setting) {
        try {
            return io.akmon.schema.Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ProbeException("invalid setting: " + setting + " '" + text + "' is not a byte size",
                    "use " + io.akmon.schema.Sizes.GRAMMAR);
        }
    }

    private static String families() {
        List<String> l = new ArrayList<>();
        for (EventType t : EventType.values()) {
            l.add(t.wireName());
        }
        return l.toString();
    }

    private static void require(boolean ok, String problem, String fix) {
        if (!ok) {
            throw new ProbeException("invalid setting: " + problem, fix);
        }
    }
}
