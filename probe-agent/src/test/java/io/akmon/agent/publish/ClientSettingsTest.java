package io.akmon.agent.publish;

import io.akmon.agent.loader.ProbeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientSettingsTest {
    private static KafkaSinkConfig config() {
        KafkaSinkConfig c = new KafkaSinkConfig();
        c.bootstrap = "k1:9092";
        c.properties.put("security.protocol", "SSL");
        c.properties.put("acks", "0");
        c.properties.put("request.timeout.ms", "7000");
        return c.validate();
    }

    @Test
    void deliveryGuaranteesCannotBeOverriddenButOtherPropertiesPassThrough() {
        Map<String, Object> p = ClientSettings.producer(config(), "web1");
        assertEquals("all", p.get("acks"));
        assertEquals(true, p.get("enable.idempotence"));
        assertEquals(5, p.get("max.in.flight.requests.per.connection"));
        assertEquals("SSL", p.get("security.protocol"));
        assertEquals("7000", p.get("request.timeout.ms"), "a user's timeout is kept");
        assertEquals("lz4", p.get("compression.type"));
        assertEquals(20, p.get("linger.ms"));
        assertEquals(256 * 1024, p.get("batch.size"));
        assertEquals(60_000, p.get("delivery.timeout.ms"));
        assertEquals("akmon-agent-web1", p.get("client.id"));
        assertEquals("k1:9092", p.get("bootstrap.servers"));
    }

    @Test
    void theDeliveryTimeoutCoversOneRequestAndTheLinger() {
        KafkaSinkConfig c = config();
        c.properties.remove("request.timeout.ms");
        c.deliveryTimeoutMs = 1000;
        c.lingerMs = 700;
        Map<String, Object> p = ClientSettings.producer(c, "h");
        assertEquals(500, p.get("request.timeout.ms"));
        assertEquals(1200, p.get("delivery.timeout.ms"));
    }

    @Test
    void adminTimeoutsFollowTheConnectTimeout() {
        KafkaSinkConfig c = config();
        c.properties.remove("request.timeout.ms");
        c.connectTimeoutMs = 3000;
        Map<String, Object> p = ClientSettings.admin(c, "h");
        assertEquals(3000, p.get("request.timeout.ms"));
        assertEquals(5000, p.get("default.api.timeout.ms"));
        assertEquals("akmon-agent-admin-h", p.get("client.id"));
    }

    @Test
    void clientProblemsNameTheSetting() {
        ProbeException e = ClientSettings.problem(config(),
                new KafkaException("x", new ConfigException("No resolvable bootstrap urls given in bootstrap.servers")));
        assertTrue(e.oneLine().contains("'k1:9092' cannot be resolved") && e.oneLine().contains("--bootstrap"), e.oneLine());
        e = ClientSettings.problem(config(), new KafkaException("bad", new ConfigException("Invalid value x for ssl.protocol")));
        assertTrue(e.oneLine().startsWith("invalid kafka client settings: Invalid value x for ssl.protocol"), e.oneLine());
    }
}
