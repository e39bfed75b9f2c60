package io.akmon.flink.aggregate;

import io.akmon.flink.types.SerializerTypeInfo;
import io.akmon.flink.types.StateSerializer;
import io.akmon.flink.sink.Json;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;

/**
 * Flink type of {@link Aggregate} and its subclasses: an aggregate travels (and sits in state) as its
 * kind, its identity and its JSON document, the same bytes the sinks write. No Kryo, and the format is
 * the documents' own, so it survives any change that keeps the documents readable.
 *
 * <p>The receiving side reads a host window's document back into a {@link HostAggregate} (the cluster
 * roll-up and the per-syscall documents read its figures); every other kind arrives as an
 * {@link AggregateDocument}, its identity and its bytes, without a second pass through JSON (format 2;
 * format 1, the kind and the document alone, is read back into the kind's class as before).
 * {@link Serializer#copy} always gives the kind's own class.
 */
public final class AggregateTypeInfo extends SerializerTypeInfo<Aggregate> {
    private static final long serialVersionUID = 1L;
    public static final AggregateTypeInfo INSTANCE = new AggregateTypeInfo();

    private AggregateTypeInfo() {
        super(Aggregate.class, Serializer.INSTANCE);
    }

    /** Makes {@code TypeInformation.of(Aggregate.class)} this type. */
    public static final class Factory extends TypeInfoFactory<Aggregate> {
        @Override
        public TypeInformation<Aggregate> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }

    /** The document class of a kind. */
    static Class<? extends Aggregate> classOf(String kind) throws IOException {
        return switch (kind) {
            case ProcessAggregate.KIND -> ProcessAggregate.class;
            case HostAggregate.KIND -> HostAggregate.class;
            case DiskAggregate.KIND -> DiskAggregate.class;
            case ConnectionAggregate.KIND -> ConnectionAggregate.class;
            case InterfaceAggregate.KIND -> InterfaceAggregate.class;
            case ClusterAggregate.KIND -> ClusterAggregate.class;
            case SessionAggregate.KIND -> SessionAggregate.class;
            default -> throw new IOException("unknown aggregate kind '" + kind + "'");
        };
    }

    public static final class Serializer extends StateSerializer<Aggregate> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        /** Format 2: the identity before the document, so that a sink needs no JSON parse. */
        private static final int FORMAT_IDENTITY = 2;

        @Override
        public Aggregate createInstance() {
            return new HostAggregate();
        }

        @Override
        protected int format() {
            return FORMAT_IDENTITY;
        }

        @Override
        protected void write(Aggregate a, DataOutputView out) throws IOException {
            out.writeUTF(a.kind);
            writeNullable(a.id, out);
            writeNullable(a.resolution, out);
            writeNullable(a.host, out);
            out.writeLong(a.timestamp);
            out.writeLong(a.windowEnd);
            out.writeDouble(a.coverage);
            out.writeBoolean(a.isFinal);
            byte[] json = a.jsonBytes();
            out.writeInt(json.length);
            out.write(json);
        }

        @Override
        protected Aggregate read(int format, DataInputView in) throws IOException {
            String kind = in.readUTF();
            Class<? extends Aggregate> c = classOf(kind);
            if (format < FORMAT_IDENTITY) {
                return decode(readJson(in), c);
            }
            String id = readNullable(in);
            String resolution = readNullable(in);
            String host = readNullable(in);
            long timestamp = in.readLong();
            long windowEnd = in.readLong();
            double coverage = in.readDouble();
            boolean isFinal = in.readBoolean();
            byte[] json = readJson(in);
            if (c == HostAggregate.class) {
                return decode(json, c);
            }
            return new AggregateDocument(kind, id, resolution, host, timestamp, windowEnd, coverage, isFinal, json);
        }

        /** A copy is the kind's own class, with every figure (operator tests and heap snapshots read them). */
        @Override
        public Aggregate copy(Aggregate from) {
            try {
                return decode(from.jsonBytes(), classOf(from.kind));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private static Aggregate decode(byte[] json, Class<? extends Aggregate> c) throws IOException {
            Aggregate a = Json.MAPPER.readValue(json, c);
            a.keepJson(json);
            return a;
        }

        private static byte[] readJson(DataInputView in) throws IOException {
            byte[] json = new byte[in.readInt()];
            in.readFully(json);
            return json;
        }

        private static void writeNullable(String s, DataOutputView out) throws IOException {
            out.writeBoolean(s != null);
            if (s != null) {
                out.writeUTF(s);
            }
        }

        private static String readNullable(DataInputView in) throws IOException {
            return in.readBoolean() ? in.readUTF() : null;
        }

        @Override
        public TypeSerializerSnapshot<Aggregate> snapshotConfiguration() {
            return new Snapshot();
        }

        public static final class Snapshot extends SimpleTypeSerializerSnapshot<Aggregate> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
