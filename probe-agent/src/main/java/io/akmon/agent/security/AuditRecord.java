package io.akmon.agent.security;

import io.akmon.agent.Agent;
import io.akmon.agent.AgentSettings;
import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.loader.Native;
import io.akmon.agent.loader.Probe;
import io.akmon.agent.publish.EventSink;
import io.akmon.agent.publish.KafkaSinkConfig;
import io.akmon.schema.EventType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The record an agent writes once it runs (type {@code audit}, topic {@code akmon.audit}): who runs
 * it, from which settings file, with which settings in effect, what it holds and what it gave up.
 * Secrets are never in it: Kafka properties appear by name only, the anonymisation key not at all.
 * README "Audit record" lists the fields.
 */
public final class AuditRecord {
    /** The cpu field of audit records; their seq is the start time (ns since the epoch), unique per start. */
    public static final int AUDIT_STREAM = -3;
    public static final String EVENT = "event";
    public static final String AGENT_START = "agent_start";

    private AuditRecord() {
    }

    public static Event build(AgentSettings s, KafkaSinkConfig kafka, Path configFile, List<Probe> probes, Hardening.Result h) {
        HostIdentity id = HostIdentity.local(s.host);
        java.time.Instant t = java.time.Instant.now();
        long now = t.getEpochSecond() * 1_000_000_000L + t.getNano();
        Event e = new Event(EventType.AUDIT, id.host(), id.bootId(), AUDIT_STREAM, now, now,
                (int) ProcessHandle.current().pid(), "akmon-agent");
        e.put(EVENT, AGENT_START)
                .put("version", "0.1.0")
                .put("uid", (long) Native.libc().geteuid())
                .put("user", System.getProperty("user.name"))
                .put("config_file", configFile == null ? "" : configFile.toAbsolutePath().toString())
                .put("config_sha256", configFile == null ? "" : sha256(configFile))
                .put("sink", s.sink)
                .put("transport", s.transport.name().toLowerCase(java.util.Locale.ROOT))
                .put("families", List.copyOf(s.families))
                .put("probes", probes.stream().map(Probe::program).toList())
                .put("interval_ms", s.intervalMs)
                .put("syscall_sample_rate", s.syscallSampleRate)
                .put("argv_max", s.argvMax)
                .put("filter_pids", s.pids.stream().map(String::valueOf).toList())
                .put("filter_comms", List.copyOf(s.comms))
                .put("filter_cgroups", List.copyOf(s.cgroups))
                .put("pin_dir", s.pinDir == null ? "" : s.pinDir)
                .put("redaction", s.redaction.enabled)
                .put("redaction_patterns", List.copyOf(s.redaction.patterns))
                .put("anonymisation", s.redaction.anonymiseKeyFile != null && !s.redaction.anonymiseKeyFile.isBlank())
                .put("seccomp", h.seccomp())
                .put("seccomp_allowed_syscalls", h.allowedSyscalls())
                .put("capabilities_at_start", h.capabilitiesBefore())
                .put("capabilities_running", h.capabilitiesAfter());
        if (kafka != null) {
            e.put("kafka_bootstrap", kafka.bootstrap)
                    .put("kafka_topic_prefix", kafka.topicPrefix)
                    .put("spool_dir", kafka.spoolDir)
                    .put("kafka_properties", new ArrayList<>(kafka.properties.keySet())); // names only: values may be secrets
        }
        return e;
    }

    /** Builds the record and hands it to {@code out}, next to the agent's other records. */
    public static void emit(EventSink out, AgentSettings s, KafkaSinkConfig kafka, Path configFile, Agent agent, Hardening.Result h) {
        out.accept(build(s, kafka, configFile, agent.runningProbes(), h));
        out.flush();
    }

    static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
