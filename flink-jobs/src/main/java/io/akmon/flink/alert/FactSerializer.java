package io.akmon.flink.alert;

import io.akmon.flink.types.SerializerTypeInfo;
import io.akmon.flink.types.StateSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;

/**
 * {@link Fact} between the alert job's operators and in its CEP buffers: type, event time, then the fields
 * in order as tagged values. Replaces a POJO serializer whose {@code Map<String, Object>} went through Kryo,
 * which cost most of the job's time in copies and registrations.
 */
public final class FactSerializer extends StateSerializer<Fact> {
    private static final long serialVersionUID = 1L;
    public static final FactSerializer INSTANCE = new FactSerializer();
    public static final TypeInformation<Fact> TYPE = new SerializerTypeInfo<>(Fact.class, INSTANCE);

    /** Makes {@code TypeInformation.of(Fact.class)} this type. */
    public static final class Factory extends TypeInfoFactory<Fact> {
        @Override
        public TypeInformation<Fact> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return TYPE;
        }
    }

    @Override
    public Fact createInstance() {
        return new Fact();
    }

    @Override
    public Fact copy(Fact from) {
        Fact f = new Fact(from.type, from.timestamp);
        f.fields = FieldValues.copy(from.fields);
        return f;
    }

    @Override
    protected void write(Fact f, DataOutputView out) throws IOException {
        StringValue.writeString(f.type, out);
        out.writeLong(f.timestamp);
        FieldValues.writeMap(f.fields, out);
    }

    @Override
    protected Fact read(int format, DataInputView in) throws IOException {
        Fact f = new Fact(StringValue.readString(in), in.readLong());
        f.fields = FieldValues.readMap(in);
        return f;
    }

    @Override
    public TypeSerializerSnapshot<Fact> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Fact> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
