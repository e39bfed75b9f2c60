package io.akmon.schema;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The record families that travel from the agent to Kafka, named as they appear in the {@code type}
 * field. New families go at the end: the ordinal is stored in the agent's spool.
 *
 * <p>{@link #HEARTBEAT} is no event: the agent's progress, sent to every partition of every event topic
 * (see {@link Fields#TS}); it has no topic of its own, is never spooled and is counted nowhere.
 */
public enum EventType {
    FORK, EXEC, EXIT, SYSCALL, CPU, MEMORY, DISK, NET, LOST, AGENT, AUDIT, HOST, FILE, HEARTBEAT;

    // Both are on every record's path (serializing, topic lookup): computed once, not per call.
    private final String wire = name().toLowerCase(Locale.ROOT);
    private static final Map<String, EventType> BY_WIRE = new HashMap<>();

    static {
        for (EventType t : values()) {
            BY_WIRE.put(t.wire, t);
        }
    }

    /** The value of the {@code type} field. */
    public String wireName() {
        return wire;
    }

    /** Parses a {@code type} field; returns null for a type this version does not know. */
    public static EventType fromWire(String type) {
        return type == null ? null : BY_WIRE.get(type);
    }
}
