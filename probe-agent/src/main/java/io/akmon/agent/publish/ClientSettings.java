package io.akmon.agent.publish;

import io.akmon.agent.loader.ProbeException;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The Kafka client properties the sink uses: the user's properties first, then what delivery in
 * order without loss requires (idempotent producer, {@code acks=all}), which the user cannot override.
 */
public final class ClientSettings {
    private ClientSettings() {
    }

    private static Map<String, Object> base(KafkaSinkConfig config) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap);
        p.putAll(config.properties);
        return p;
    }

    /** The producer's properties: byte-array keys and values, batching and compression from the config. */
    public static Map<String, Object> producer(KafkaSinkConfig config, String host) {
        Map<String, Object> p = base(config);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        p.put(ProducerConfig.LINGER_MS_CONFIG, config.lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, config.batchBytes);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, config.compression.toLowerCase(Locale.ROOT));
        int request = Math.max(500, Math.min(30_000, (config.deliveryTimeoutMs - config.lingerMs) / 2));
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, request);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(config.deliveryTimeoutMs, request + config.lingerMs));
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        p.putIfAbsent(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "akmon-agent-" + host);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /** The admin client's properties (topic checks): timeouts follow connect_timeout_ms. */
    public static Map<String, Object> admin(KafkaSinkConfig config, String host) {
        Map<String, Object> p = base(config);
        int timeout = (int) Math.max(1000, Math.min(30_000, config.connectTimeoutMs));
        p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(timeout, 5000));
        p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "akmon-agent-admin-" + host);
        return p;
    }

    /** A client that cannot be built from these settings, as the one-line problem and fix. */
    public static ProbeException problem(KafkaSinkConfig config, KafkaException e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String m = String.valueOf(root.getMessage());
        if (m.contains("resolvable bootstrap")) {
            return new ProbeException("kafka bootstrap servers '" + config.bootstrap + "' cannot be resolved",
                    "check the host names in --bootstrap", e);
        }
        return new ProbeException("invalid kafka client settings: " + m,
                "check --bootstrap and the kafka properties in the config file", e);
    }
}
