package io.akmon.agent.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import io.akmon.schema.RecordId;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

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

    public void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField(Fields.TYPE, type.wireName());
        g.writeNumberField(Fields.SCHEMA, Fields.SCHEMA_VERSION);
        g.writeStringField(Fields.HOST, host);
        g.writeStringField(Fields.BOOT_ID, bootId);
        g.writeNumberField(Fields.CPU, cpu);
        g.writeNumberField(Fields.SEQ, seq);
        g.writeNumberField(Fields.TS, tsNs);
        g.writeNumberField(Fields.PID, pid);
        if (comm != null) {
            g.writeStringField(Fields.COMM, comm);
        }
        for (int i = 0; i < fields.size(); i += 2) {
            String name = (String) fields.get(i);
            Object v = fields.get(i + 1);
            g.writeFieldName(name);
            writeValue(g, v);
        }
        g.writeEndObject();
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
