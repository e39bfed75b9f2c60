package io.akmon.agent.publish;

import io.akmon.schema.EventType;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where each family's records go ({@link KafkaSinkConfig#topic}), and the event topics that get every
 * heartbeat: every family's topic but the audit trail's. Heartbeats have no topic of their own.
 */
final class SinkTopics {
    private final String prefix;
    private final String[] byType = new String[EventType.values().length];
    private final Set<String> all = new LinkedHashSet<>();
    private final List<String> heartbeat = new ArrayList<>();

    SinkTopics(KafkaSinkConfig config) {
        this.prefix = config.topicPrefix;
        for (EventType t : EventType.values()) {
            if (t == EventType.HEARTBEAT) {
                continue; // no topic of its own: heartbeats go to every event topic
            }
            String topic = config.topic(t);
            byType[t.ordinal()] = topic;
            all.add(topic);
            if (t != EventType.AUDIT && !heartbeat.contains(topic)) {
                heartbeat.add(topic);
            }
        }
    }

    /** The topic of a family; null for heartbeats. */
    String of(EventType type) {
        return byType[type.ordinal()];
    }

    /** The topic of a spooled record: its family's, or the prefix and its type name if the family is unknown here. */
    String of(byte[] payload, EventType type) {
        return type != null ? byType[type.ordinal()] : prefix + SpoolRecord.decode(payload).type();
    }

    /** Every topic the sink writes, for topic setup. */
    Set<String> all() {
        return Set.copyOf(all);
    }

    /** The event topics, each of whose partitions gets every heartbeat, in family order. */
    List<String> heartbeat() {
        return List.copyOf(heartbeat);
    }
}
