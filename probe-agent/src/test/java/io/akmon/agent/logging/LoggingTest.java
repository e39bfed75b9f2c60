package io.akmon.agent.logging;

import io.akmon.agent.loader.ProbeException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoggingTest {
    @Test
    void defaultsAreInfoForTheAgentOffForTheKafkaClientAndWarnForTheRest() {
        assertEquals(Map.of("", "warn", "akmon", "info", "org.apache.kafka", "off"), Logging.effective(Logging.parse(List.of())));
    }

    @Test
    void oneLevelForAllAndLevelsPerLogger() {
        Map<String, String> e = Logging.effective(Logging.parse(List.of("ERROR", "org.apache.kafka=debug,akmon.kafka=trace")));
        assertEquals(Map.of("", "error", "akmon", "error", "org.apache.kafka", "debug", "akmon.kafka", "trace"), e);
        assertEquals(Map.of("", "warn", "akmon", "info", "org.apache.kafka", "off", "org.apache.kafka.clients", "info"),
                Logging.effective(Logging.parse(List.of("org.apache.kafka.clients=info"))));
    }

    @Test
    void badLevelsNameTheValueAndTheChoices() {
        ProbeException e = assertThrows(ProbeException.class, () -> Logging.parse(List.of("loud")));
        assertTrue(e.oneLine().contains("invalid log level 'loud'") && e.oneLine().contains("trace, debug, info"), e.oneLine());
        e = assertThrows(ProbeException.class, () -> Logging.parse(List.of("=debug")));
        assertTrue(e.oneLine().contains("no logger before '='"), e.oneLine());
    }

    @Test
    void slf4jSimpleIsSetThroughItsSystemProperties() {
        try {
            Logging.apply(List.of("debug", "org.apache.kafka=error"));
            assertEquals("debug", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel"));
            assertEquals("debug", System.getProperty("org.slf4j.simpleLogger.log.akmon"));
            assertEquals("error", System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka"));
        } finally {
            System.clearProperty("org.slf4j.simpleLogger.defaultLogLevel");
            System.clearProperty("org.slf4j.simpleLogger.log.akmon");
            System.clearProperty("org.slf4j.simpleLogger.log.org.apache.kafka");
        }
    }
}
