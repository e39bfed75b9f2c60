package io.akmon.flink.types;

import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Base of the job's own state serializers (no Kryo, no reflection): every value starts with a format
 * version byte, so a later build can read what this one wrote. A subclass writes and reads the fields;
 * a deep copy is a round trip through the same format, used only where Flink needs a copy (the heap
 * backend's copy-on-write snapshots).
 */
public abstract class StateSerializer<T> extends TypeSerializerSingleton<T> {
    private static final long serialVersionUID = 1L;
    /** The format a serializer writes unless it says otherwise ({@link #format()}). */
    public static final int FORMAT = 1;

    /** The format this build writes for this type; a type raises it when its layout grows. */
    protected int format() {
        return FORMAT;
    }

    protected abstract void write(T value, DataOutputView out) throws IOException;

    protected abstract T read(int format, DataInputView in) throws IOException;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public T copy(T from) {
        try {
            DataOutputSerializer out = new DataOutputSerializer(256);
            serialize(from, out);
            return deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T value, DataOutputView out) throws IOException {
        out.writeByte(format());
        write(value, out);
    }

    @Override
    public T deserialize(DataInputView in) throws IOException {
        int format = in.readByte();
        if (format < 1 || format > format()) {
            throw new IOException(getClass().getSimpleName() + ": state format " + format
                    + " is newer than this build reads (up to " + format() + "); restore with a newer build");
        }
        return read(format, in);
    }

    @Override
    public T deserialize(T reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    protected static void writeString(String s, DataOutputView out) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    protected static String readString(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    protected static void writeStrings(String[] a, DataOutputView out) throws IOException {
        out.writeInt(a == null ? -1 : a.length);
        if (a != null) {
            for (String v : a) {
                writeString(v, out);
            }
        }
    }

    protected static String[] readStrings(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
            a[i] = readString(in);
        }
        return a;
    }

    protected static void writeLongs(long[] a, DataOutputView out) throws IOException {
        out.writeInt(a == null ? -1 : a.length);
        if (a != null) {
            for (long v : a) {
                out.writeLong(v);
            }
        }
    }

    protected static long[] readLongs(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.readLong();
        }
        return a;
    }

    protected static void writeArrayMap(Map<String, long[]> m, DataOutputView out) throws IOException {
        out.writeInt(m == null ? -1 : m.size());
        if (m != null) {
            for (Map.Entry<String, long[]> e : m.entrySet()) {
                out.writeUTF(e.getKey());
                writeLongs(e.getValue(), out);
            }
        }
    }

    protected static Map<String, long[]> readArrayMap(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        Map<String, long[]> m = new HashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
            m.put(in.readUTF(), readLongs(in));
        }
        return m;
    }

    protected static void writeCountMap(Map<String, Long> m, DataOutputView out) throws IOException {
        out.writeInt(m.size());
        for (Map.Entry<String, Long> e : m.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue());
        }
    }

    protected static Map<String, Long> readCountMap(DataInputView in) throws IOException {
        int n = in.readInt();
        Map<String, Long> m = new HashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
            m.put(in.readUTF(), in.readLong());
        }
        return m;
    }
}
