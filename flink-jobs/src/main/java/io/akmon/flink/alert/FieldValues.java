package io.akmon.flink.alert;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tagged value format that facts and alerts share: the scalars a fact carries (long, double, string,
 * boolean) and the lists and maps an alert nests them in, each behind a one-byte tag. Field order is kept,
 * since alert documents show fields in the order the rule names them.
 */
final class FieldValues {
    private static final int NULL = 0;
    private static final int LONG = 1;
    private static final int DOUBLE = 2;
    private static final int STRING = 3;
    private static final int TRUE = 4;
    private static final int FALSE = 5;
    private static final int LIST = 6;
    private static final int MAP = 7;
    private static final int INT = 8;

    private FieldValues() {
    }

    static void writeValue(Object v, DataOutputView out) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (v instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (v instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            StringValue.writeString(s, out);
        } else if (v instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
        } else if (v instanceof List<?> list) {
            out.writeByte(LIST);
            out.writeInt(list.size());
            for (Object o : list) {
                writeValue(o, out);
            }
        } else if (v instanceof Map<?, ?> map) {
            out.writeByte(MAP);
            writeMap(map, out);
        } else {
            throw new IOException("a fact or alert field holds a " + v.getClass().getName()
                    + "; only numbers, strings, booleans, lists and maps are carried");
        }
    }

    static Object readValue(DataInputView in) throws IOException {
        int tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case LONG -> in.readLong();
            case INT -> in.readInt();
            case DOUBLE -> in.readDouble();
            case STRING -> StringValue.readString(in);
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case LIST -> {
                int n = in.readInt();
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(readValue(in));
                }
                yield list;
            }
            case MAP -> readMap(in);
            default -> throw new IOException("unknown field value tag " + tag + " in a fact or alert");
        };
    }

    static void writeMap(Map<?, ?> map, DataOutputView out) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<?, ?> e : map.entrySet()) {
            StringValue.writeString((String) e.getKey(), out);
            writeValue(e.getValue(), out);
        }
    }

    static Map<String, Object> readMap(DataInputView in) throws IOException {
        int n = in.readInt();
        Map<String, Object> map = new LinkedHashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
            map.put(StringValue.readString(in), readValue(in));
        }
        return map;
    }

    /** A deep copy of a value of this format (lists and maps copied, scalars are immutable). */
    @SuppressWarnings("unchecked")
    static <T> T copy(T v) {
        if (v instanceof List<?> list) {
            List<Object> c = new ArrayList<>(list.size());
            for (Object o : list) {
                c.add(copy(o));
            }
            return (T) c;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> c = new LinkedHashMap<>(Math.max(4, map.size() * 2));
            for (Map.Entry<?, ?> e : map.entrySet()) {
                c.put((String) e.getKey(), copy(e.getValue()));
            }
            return (T) c;
        }
        return v;
    }
}
