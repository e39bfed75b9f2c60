package io.akmon.agent.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import io.akmon.schema.RecordId;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One record on its way out of the agent: the common fields every record carries, then the
 * family's own fields in the order they were added. Serialized with Jackson's streaming generator.
 */
public final class Event {
    private static final JsonFactory JSON = new JsonFactory();

    private final EventType type;
    private final String host;
    private final String bootId;
    private final int cpu;
    private final long seq;
    private final long tsNs;
    private final int pid;
    private final String comm;
    private final List<Object> fields = new ArrayList<>(16); // name, value, name, value...

    public Event(EventType type, String host, String bootId, int cpu, long seq, long tsNs, int pid, String comm) {
        this.type = type;
        this.host = host;
        this.bootId = bootId;
        this.cpu = cpu;
        this.seq = seq;
        this.tsNs = tsNs;
        this.pid = pid;
        this.comm = comm;
    }

    /** Adds a family field: a Number, String, Boolean, long[], or a List or Map of those. */
    public Event put(String name, Object value) {
        fields.add(name);
        fields.add(value);
        return this;
    }

    /** Replaces a family field's value, or adds it. */
    public Event set(String name, Object value) {
        for (int i = 0; i < fields.size(); i += 2) {
            if (fields.get(i).equals(name)) {
                fields.set(i + 1, value);
                return this;
            }
        }
        return put(name, value);
    }

    public EventType type() {
        return type;
    }

    public String host() {
        return host;
    }

    public String bootId() {
        return bootId;
    }

    public int cpu() {
        return cpu;
    }

    public long seq() {
        return seq;
    }

    public long tsNs() {
        return tsNs;
    }

    public int pid() {
        return pid;
    }

    public String comm() {
        return comm;
    }

    public RecordId id() {
        return new RecordId(host, bootId, cpu, seq);
    }

    /** A family field's value, or null. */
    public Object get(String name) {
        for (int i = 0; i < fields.size(); i += 2) {
            if (fields.get(i).equals(name)) {
                return fields.get(i + 1);
            }
        }
        return null;
    }

    public long getLong(String name) {
        Object v = get(name);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException(type.wireName() + " record has no numeric field " + name);
        }
        return n.longValue();
    }

    public String getString(String name) {
        Object v = get(name);
        return v == null ? null : v.toString();
    }

    // Field names and repeated values, UTF-8-encoded once (Jackson copies their bytes instead of encoding each time).
    private static final SerializedString TYPE = new SerializedString(Fields.TYPE);
    private static final SerializedString SCHEMA = new SerializedString(Fields.SCHEMA);
    private static final SerializedString HOST = new SerializedString(Fields.HOST);
    private static final SerializedString BOOT_ID = new SerializedString(Fields.BOOT_ID);
    private static final SerializedString CPU = new SerializedString(Fields.CPU);
    private static final SerializedString SEQ = new SerializedString(Fields.SEQ);
    private static final SerializedString TS = new SerializedString(Fields.TS);
    private static final SerializedString PID = new SerializedString(Fields.PID);
    private static final SerializedString COMM = new SerializedString(Fields.COMM);
    private static final SerializedString[] TYPE_NAMES = new SerializedString[EventType.values().length];
    /** Family field names seen so far (a few dozen constants). */
    private static final ConcurrentHashMap<String, SerializedString> NAMES = new ConcurrentHashMap<>();
    /** The host and boot id of the last record written: the decoder gives every record the same Strings. */
    private static volatile Serialized last = new Serialized(null, null, null, null);

    private record Serialized(String host, SerializedString hostJson, String bootId, SerializedString bootIdJson) {
    }

    static {
        for (EventType t : EventType.values()) {
            TYPE_NAMES[t.ordinal()] = new SerializedString(t.wireName());
        }
    }

    public void writeJson(JsonGenerator g) throws IOException {
        Serialized s = last;
        if (s.host != host || s.bootId != bootId) {
            s = new Serialized(host, host == null ? null : new SerializedString(host), bootId, bootId == null ? null : new SerializedString(bootId));
            last = s;
        }
        g.writeStartObject();
        g.writeFieldName(TYPE);
        g.writeString(TYPE_NAMES[type.ordinal()]);
        g.writeFieldName(SCHEMA);
        g.writeNumber(Fields.SCHEMA_VERSION);
        g.writeFieldName(HOST);
        writeString(g, s.hostJson, host);
        g.writeFieldName(BOOT_ID);
        writeString(g, s.bootIdJson, bootId);
        g.writeFieldName(CPU);
        g.writeNumber(cpu);
        g.writeFieldName(SEQ);
        g.writeNumber(seq);
        g.writeFieldName(TS);
        g.writeNumber(tsNs);
        g.writeFieldName(PID);
        g.writeNumber(pid);
        if (comm != null) {
            g.writeFieldName(COMM);
            g.writeString(comm);
        }
        for (int i = 0; i < fields.size(); i += 2) {
            String name = (String) fields.get(i);
            Object v = fields.get(i + 1);
            SerializedString json = NAMES.get(name); // get first: computeIfAbsent may lock the bin even when present
            g.writeFieldName(json != null ? json : NAMES.computeIfAbsent(name, SerializedString::new));
            writeValue(g, v);
        }
        g.writeEndObject();
    }

    private static void writeString(JsonGenerator g, SerializedString json, String value) throws IOException {
        if (json != null) {
            g.writeString(json);
        } else {
            g.writeNull();
        }
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof Number n) {
            g.writeNumber(n.toString());
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof long[] arr) {
            g.writeArray(arr, 0, arr.length);
        } else if (v instanceof java.util.Map<?, ?> map) {
            g.writeStartObject();
            for (java.util.Map.Entry<?, ?> e : map.entrySet()) {
                g.writeFieldName(e.getKey().toString());
                writeValue(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (Object o : list) {
                writeValue(g, o);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString());
        }
    }

    public String toJson() {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            writeJson(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    @Override
    public String toString() {
        return toJson();
    }
}
