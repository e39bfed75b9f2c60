package io.akmon.flink.alert;

import io.akmon.flink.types.SerializerTypeInfo;
import io.akmon.flink.types.StateSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

/** {@link Alert} between the rules and the throttle, and in the throttle's state; no Kryo. */
public final class AlertSerializer extends StateSerializer<Alert> {
    private static final long serialVersionUID = 1L;
    public static final AlertSerializer INSTANCE = new AlertSerializer();
    public static final TypeInformation<Alert> TYPE = new SerializerTypeInfo<>(Alert.class, INSTANCE);

    /** Makes {@code TypeInformation.of(Alert.class)} this type. */
    public static final class Factory extends TypeInfoFactory<Alert> {
        @Override
        public TypeInformation<Alert> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return TYPE;
        }
    }

    @Override
    public Alert createInstance() {
        return new Alert();
    }

    @Override
    protected void write(Alert a, DataOutputView out) throws IOException {
        writeString(a.id, out);
        writeString(a.rule, out);
        writeString(a.severity, out);
        writeString(a.key, out);
        FieldValues.writeMap(a.keyFields, out);
        out.writeLong(a.firstMatched);
        out.writeLong(a.lastMatched);
        out.writeLong(a.timestamp);
        FieldValues.writeMap(a.matched, out);
        writeString(a.message, out);
        out.writeLong(a.suppressed);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Alert read(int format, DataInputView in) throws IOException {
        Alert a = new Alert();
        a.id = readString(in);
        a.rule = readString(in);
        a.severity = readString(in);
        a.key = readString(in);
        a.keyFields = FieldValues.readMap(in);
        a.firstMatched = in.readLong();
        a.lastMatched = in.readLong();
        a.timestamp = in.readLong();
        Map<String, Object> matched = FieldValues.readMap(in);
        a.matched = (Map<String, List<Map<String, Object>>>) (Map<String, ?>) matched;
        a.message = readString(in);
        a.suppressed = in.readLong();
        return a;
    }

    @Override
    public TypeSerializerSnapshot<Alert> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Alert> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
