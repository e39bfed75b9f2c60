package io.akmon.schema;

import java.util.Locale;

/** The record families that travel from the agent to Kafka, named as they appear in the {@code type} field. */
public enum EventType {
    FORK, EXEC, EXIT, SYSCALL, CPU, MEMORY, DISK, NET, LOST, AGENT;

    /** The value of the {@code type} field. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a {@code type} field; returns null for a type this version does not know. */
    public static EventType fromWire(String type) {
        if (type == null) {
            return null;
        }
        for (EventType t : values()) {
            if (t.wireName().equals(type)) {
                return t;
            }
        }
        return null;
    }
}
