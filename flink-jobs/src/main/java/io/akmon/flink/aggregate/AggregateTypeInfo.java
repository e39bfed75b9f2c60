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
 * kind and its JSON document, the same bytes the sinks write. No Kryo, and the format is the
 * documents' own, so it survives any change that keeps the documents readable.
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

        @Override
        public Aggregate createInstance() {
            return new HostAggregate();
        }

        @Override
        protected void write(Aggregate a, DataOutputView out) throws IOException {
            out.writeUTF(a.kind);
            byte[] json = a.jsonBytes();
            out.writeInt(json.length);
            out.write(json);
        }

        @Override
        protected Aggregate read(int format, DataInputView in) throws IOException {
            Class<? extends Aggregate> c = classOf(in.readUTF());
            byte[] json = new byte[in.readInt()];
            in.readFully(json);
            Aggregate a = Json.MAPPER.readValue(json, c);
            a.keepJson(json);
            return a;
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
