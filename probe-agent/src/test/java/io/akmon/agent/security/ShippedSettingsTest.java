package io.akmon.agent.security;

import io.akmon.agent.AgentSettings;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings file shipped for hosts turns the system call filter and redaction on, and loads as it is. */
class ShippedSettingsTest {
    @Test
    void deployAgentYamlHasTheFilterAndRedactionOn() {
        AgentSettings s = AgentSettings.load(Path.of("..", "deploy", "agent.yaml"));
        assertTrue(s.seccomp, "seccomp: true");
        assertTrue(s.redaction.enabled && s.redaction.patterns.isEmpty() && s.redaction.anonymiseKeyFile == null);
    }
}
