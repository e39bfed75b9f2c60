package io.akmon.agent.publish;

import io.akmon.agent.cli.DurationConverter;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.loader.ProbeException;
import io.akmon.schema.security.KafkaSecurityOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Kafka sink's command-line options, as a picocli mixin ({@code @Mixin KafkaOptions kafka;}).
 * Options given override the {@code kafka:} section of the config file; {@link #open} builds the sink.
 */
public final class KafkaOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (comma-separated), for --sink kafka.")
    String bootstrap;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "Topic of a family: PREFIX + family. Default: akmon.")
    String topicPrefix;

    @Option(names = "--topic", paramLabel = "FAMILY=TOPIC", description = "Topic for one family, e.g. syscall=sys (repeatable).")
    Map<String, String> topics;

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of topics the agent creates. Default: 3.")
    Integer partitions;

    @Option(names = "--replication-factor", paramLabel = "N",
            description = "Replication factor of topics the agent creates (at most the broker count). Default: 1.")
    Short replicationFactor;

    @Option(names = "--no-create-topics", description = "Refuse to start if a topic is missing instead of creating it.")
    boolean noCreateTopics;

    @Option(names = "--compression", paramLabel = "KIND", description = "none, gzip, snappy, lz4 or zstd. Default: lz4.")
    String compression;

    @Option(names = "--kafka-frame-bytes", paramLabel = "SIZE",
            description = "Records bound for one partition travel as one Kafka record of JSON Lines of at most SIZE (e.g. 64k); "
                    + "0 sends each record alone. Default: 64k.")
    String frameBytes;

    @Option(names = "--spool-dir", paramLabel = "DIR",
            description = "Where records wait while Kafka is unreachable or slow. Default: /var/lib/akmon/spool.")
    String spoolDir;

    @Option(names = "--spool-max-bytes", paramLabel = "SIZE",
            description = "Bound on the spool (e.g. 512m, 2g); past it records are dropped and counted. Default: 1g.")
    String spoolMaxBytes;

    @Option(names = "--shed-order", paramLabel = "LIST", split = ",",
            description = "Families shed first as the spool fills, least important first; 'none' disables. "
                    + "Default: syscall,net,disk,memory,cpu,fork,exit,exec.")
    List<String> shedOrder;

    @Option(names = "--health-interval", paramLabel = "TIME", converter = DurationConverter.class,
            description = "How often the agent's health record (type agent) is published. Default: 10s.")
    Duration healthInterval;

    @Option(names = "--heartbeat-interval", paramLabel = "TIME", converter = DurationConverter.class,
            description = "How often the agent's progress goes to every partition of the event topics (type heartbeat), "
                    + "so the jobs' watermarks follow it; 0 turns heartbeats off. Default: 100ms.")
    Duration heartbeatInterval;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Further Kafka client property, e.g. security.protocol=SSL (repeatable).")
    Map<String, String> properties;

    @Mixin
    KafkaSecurityOptions security = new KafkaSecurityOptions();

    /** {@code base} (from the config file, or defaults if null) with the options given applied, validated. */
    public KafkaSinkConfig applyTo(KafkaSinkConfig base) {
        KafkaSinkConfig c = base != null ? base : new KafkaSinkConfig();
        if (bootstrap != null) c.bootstrap = bootstrap;
        if (topicPrefix != null) c.topicPrefix = topicPrefix;
        if (topics != null) c.topics.putAll(topics);
        if (partitions != null) c.partitions = partitions;
        if (replicationFactor != null) c.replicationFactor = replicationFactor;
        if (noCreateTopics) c.createTopics = false;
        if (compression != null) c.compression = compression.toLowerCase(Locale.ROOT);
        if (frameBytes != null) c.frameBytes = (int) Math.min(Integer.MAX_VALUE, KafkaSinkConfig.parseBytes(frameBytes, "--kafka-frame-bytes"));
        if (spoolDir != null) c.spoolDir = spoolDir;
        if (spoolMaxBytes != null) c.spoolMaxBytes = KafkaSinkConfig.parseBytes(spoolMaxBytes, "--spool-max-bytes");
        if (shedOrder != null) {
            c.shedOrder = shedOrder.size() == 1 && "none".equals(shedOrder.get(0)) ? new ArrayList<>() : new ArrayList<>(shedOrder);
        }
        if (healthInterval != null) c.healthIntervalMs = healthInterval.toMillis();
        if (heartbeatInterval != null) c.heartbeatIntervalMs = heartbeatInterval.toMillis();
        // the config file's named security settings, each one a flag gives replaced by the flag
        c.security = (c.security != null ? c.security : new KafkaSecurityOptions()).overriddenBy(security);
        if (c.security.isSet() || properties != null) {
            Map<String, String> merged = new LinkedHashMap<>(c.properties);
            merged.putAll(securityProperties(c.security));
            if (properties != null) {
                merged.putAll(properties);
            }
            c.properties = merged;
        }
        return c.validate();
    }

    /**
     * Builds the sink: {@code base} is the config file's {@code kafka:} section (or null),
     * {@code hostOverride} the agent's {@code --host} (null for the kernel's host name).
     *
     * @throws ProbeException naming the problem and the fix
     */
    public KafkaSink open(KafkaSinkConfig base, String hostOverride, PrintStream log) {
        return KafkaSink.open(applyTo(base), host(hostOverride), HostIdentity.kernelBootId(), log);
    }

    /** As {@link #open(KafkaSinkConfig, String, PrintStream)}, logging through SLF4J (logger {@code akmon.kafka}). */
    public KafkaSink open(KafkaSinkConfig base, String hostOverride) {
        return KafkaSink.open(applyTo(base), host(hostOverride), HostIdentity.kernelBootId());
    }

    private static Map<String, String> securityProperties(KafkaSecurityOptions security) {
        try {
            return security.clientProperties();
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            int fix = m.indexOf("; fix: ");
            throw fix < 0 ? new ProbeException(m, null, e) : new ProbeException(m.substring(0, fix), m.substring(fix + 7), e);
        }
    }

    private static String host(String hostOverride) {
        return hostOverride != null && !hostOverride.isBlank() ? hostOverride : HostIdentity.kernelHostName();
    }
}
