package io.akmon.agent.logging;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AgentLogTest {
    @Test
    void aStreamGetsOneLineAMessageInTheAgentsFormat() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AgentLog log = AgentLog.to(new PrintStream(bytes, true, StandardCharsets.UTF_8), "kafka");
        log.note("back");
        log.warn("slow");
        log.error("down");
        log.debug("detail");
        assertEquals("akmon: kafka: back\nakmon: warning: slow\nakmon: error: down\n", bytes.toString(StandardCharsets.UTF_8));
        AgentLog.to(null, "kafka").error("nowhere"); // a null stream drops it
    }
}
