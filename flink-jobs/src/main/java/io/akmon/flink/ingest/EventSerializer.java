package io.akmon.flink.ingest;

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
 * {@link Event} on the wire between the parse and the keyed operator: a bit mask of the fields that
 * differ from their defaults, then only those, so a record costs what it carries and no reflection.
 * The record type is a one-byte code for the known families.
 */
public final class EventSerializer extends StateSerializer<Event> {
    private static final long serialVersionUID = 1L;
    public static final EventSerializer INSTANCE = new EventSerializer();
    public static final TypeInformation<Event> TYPE = new SerializerTypeInfo<>(Event.class, INSTANCE);
    private static final String[] TYPES = {"fork", "exec", "exit", "syscall", "cpu", "memory", "disk", "net", "lost",
        "agent", "file"};

    /** Makes {@code TypeInformation.of(Event.class)} this type. */
    public static final class Factory extends TypeInfoFactory<Event> {
        @Override
        public TypeInformation<Event> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return TYPE;
        }
    }

    /** 2: filename, start_ts, argv, initial and uid (the process context) may follow. */
    @Override
    protected int format() {
        return 2;
    }

    @Override
    public Event createInstance() {
        return new Event();
    }

    private static int typeCode(String type) {
        for (int i = 0; i < TYPES.length; i++) {
            if (TYPES[i].equals(type)) {
                return i;
            }
        }
        return 255;
    }

    private static void str(String s, DataOutputView out) throws IOException {
        StringValue.writeString(s, out);
    }

    @Override
    protected void write(Event e, DataOutputView out) throws IOException {
        int code = e.type == null ? 254 : typeCode(e.type);
        out.writeByte(code);
        if (code == 255) {
            str(e.type, out);
        }
        long mask = 0;
        Object[] strings = {e.host, e.bootId, e.comm, e.syscall, e.event, e.dev, e.device, e.op, e.conn, e.saddr,
            e.daddr, e.source, e.path, e.newPath, e.fdKind, e.filename};
        for (int i = 0; i < strings.length; i++) {
            if (strings[i] != null) {
                mask |= 1L << i;
            }
        }
        long[] longs = {e.seq, e.ts, e.lifetimeNs, e.intervalNs, e.count, e.errors, e.onCpuNs, e.rssBytes, e.rssMaxBytes,
            e.pageFaults, e.ops, e.bytes, e.latencyNsSum, e.bytesSent, e.bytesReceived, e.retransmits, e.lost,
            e.cpuBusyNs, e.memTotalBytes, e.memAvailableBytes, e.memUsedBytes, e.startTs, e.datagramsSent, e.datagramsReceived};
        for (int i = 0; i < longs.length; i++) {
            if (longs[i] != 0) {
                mask |= 1L << (16 + i);
            }
        }
        int[] ints = {e.schemaVersion, e.cpu, e.pid, e.ppid, e.exitCode, e.signal, e.sport, e.dport, e.sourceCpu, e.errno};
        for (int i = 0; i < ints.length; i++) {
            if (ints[i] != 0) {
                mask |= 1L << (40 + i);
            }
        }
        if (e.coreDumped) {
            mask |= 1L << 56;
        }
        if (e.latencyHistUs != null) {
            mask |= 1L << 57;
        }
        // Format 2: the process context of exec and initial memory records.
        if (e.argv != null) {
            mask |= 1L << 58;
        }
        if (e.initial) {
            mask |= 1L << 59;
        }
        if (e.uid != null) {
            mask |= 1L << 60;
        }
        if (e.ifCounters != null) {
            mask |= 1L << 61;
        }
        out.writeLong(mask);
        for (int i = 0; i < strings.length; i++) {
            if (strings[i] != null) {
                str((String) strings[i], out);
            }
        }
        for (long v : longs) {
            if (v != 0) {
                out.writeLong(v);
            }
        }
        for (int v : ints) {
            if (v != 0) {
                out.writeInt(v);
            }
        }
        if (e.latencyHistUs != null) {
            writeLongs(e.latencyHistUs, out);
        }
        if (e.argv != null) {
            out.writeInt(e.argv.length);
            for (String a : e.argv) {
                str(a, out);
            }
        }
        if (e.uid != null) {
            str(e.uid, out);
        }
        if (e.ifCounters != null) {
            writeLongs(e.ifCounters, out);
        }
    }

    @Override
    protected Event read(int format, DataInputView in) throws IOException {
        Event e = new Event();
        int code = in.readUnsignedByte();
        e.type = code < TYPES.length ? TYPES[code] : code == 255 ? StringValue.readString(in) : null;
        long m = in.readLong();
        e.host = (m & 1L) != 0 ? StringValue.readString(in) : null;
        e.bootId = (m & 1L << 1) != 0 ? StringValue.readString(in) : null;
        e.comm = (m & 1L << 2) != 0 ? StringValue.readString(in) : null;
        e.syscall = (m & 1L << 3) != 0 ? StringValue.readString(in) : null;
        e.event = (m & 1L << 4) != 0 ? StringValue.readString(in) : null;
        e.dev = (m & 1L << 5) != 0 ? StringValue.readString(in) : null;
        e.device = (m & 1L << 6) != 0 ? StringValue.readString(in) : null;
        e.op = (m & 1L << 7) != 0 ? StringValue.readString(in) : null;
        e.conn = (m & 1L << 8) != 0 ? StringValue.readString(in) : null;
        e.saddr = (m & 1L << 9) != 0 ? StringValue.readString(in) : null;
        e.daddr = (m & 1L << 10) != 0 ? StringValue.readString(in) : null;
        e.source = (m & 1L << 11) != 0 ? StringValue.readString(in) : null;
        e.path = (m & 1L << 12) != 0 ? StringValue.readString(in) : null;
        e.newPath = (m & 1L << 13) != 0 ? StringValue.readString(in) : null;
        e.fdKind = (m & 1L << 14) != 0 ? StringValue.readString(in) : null;
        e.filename = (m & 1L << 15) != 0 ? StringValue.readString(in) : null;
        e.seq = (m & 1L << 16) != 0 ? in.readLong() : 0;
        e.ts = (m & 1L << 17) != 0 ? in.readLong() : 0;
        e.lifetimeNs = (m & 1L << 18) != 0 ? in.readLong() : 0;
        e.intervalNs = (m & 1L << 19) != 0 ? in.readLong() : 0;
        e.count = (m & 1L << 20) != 0 ? in.readLong() : 0;
        e.errors = (m & 1L << 21) != 0 ? in.readLong() : 0;
        e.onCpuNs = (m & 1L << 22) != 0 ? in.readLong() : 0;
        e.rssBytes = (m & 1L << 23) != 0 ? in.readLong() : 0;
        e.rssMaxBytes = (m & 1L << 24) != 0 ? in.readLong() : 0;
        e.pageFaults = (m & 1L << 25) != 0 ? in.readLong() : 0;
        e.ops = (m & 1L << 26) != 0 ? in.readLong() : 0;
        e.bytes = (m & 1L << 27) != 0 ? in.readLong() : 0;
        e.latencyNsSum = (m & 1L << 28) != 0 ? in.readLong() : 0;
        e.bytesSent = (m & 1L << 29) != 0 ? in.readLong() : 0;
        e.bytesReceived = (m & 1L << 30) != 0 ? in.readLong() : 0;
        e.retransmits = (m & 1L << 31) != 0 ? in.readLong() : 0;
        e.lost = (m & 1L << 32) != 0 ? in.readLong() : 0;
        e.cpuBusyNs = (m & 1L << 33) != 0 ? in.readLong() : 0;
        e.memTotalBytes = (m & 1L << 34) != 0 ? in.readLong() : 0;
        e.memAvailableBytes = (m & 1L << 35) != 0 ? in.readLong() : 0;
        e.memUsedBytes = (m & 1L << 36) != 0 ? in.readLong() : 0;
        e.startTs = (m & 1L << 37) != 0 ? in.readLong() : 0;
        e.datagramsSent = (m & 1L << 38) != 0 ? in.readLong() : 0;
        e.datagramsReceived = (m & 1L << 39) != 0 ? in.readLong() : 0;
        e.schemaVersion = (m & 1L << 40) != 0 ? in.readInt() : 0;
        e.cpu = (m & 1L << 41) != 0 ? in.readInt() : 0;
        e.pid = (m & 1L << 42) != 0 ? in.readInt() : 0;
        e.ppid = (m & 1L << 43) != 0 ? in.readInt() : 0;
        e.exitCode = (m & 1L << 44) != 0 ? in.readInt() : 0;
        e.signal = (m & 1L << 45) != 0 ? in.readInt() : 0;
        e.sport = (m & 1L << 46) != 0 ? in.readInt() : 0;
        e.dport = (m & 1L << 47) != 0 ? in.readInt() : 0;
        e.sourceCpu = (m & 1L << 48) != 0 ? in.readInt() : 0;
        e.errno = (m & 1L << 49) != 0 ? in.readInt() : 0;
        e.coreDumped = (m & 1L << 56) != 0;
        e.latencyHistUs = (m & 1L << 57) != 0 ? readLongs(in) : null;
        if ((m & 1L << 58) != 0) {
            e.argv = new String[in.readInt()];
            for (int i = 0; i < e.argv.length; i++) {
                e.argv[i] = StringValue.readString(in);
            }
        }
        e.initial = (m & 1L << 59) != 0;
        e.uid = (m & 1L << 60) != 0 ? StringValue.readString(in) : null;
        e.ifCounters = (m & 1L << 61) != 0 ? readLongs(in) : null;
        return e;
    }

    @Override
    public TypeSerializerSnapshot<Event> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Event> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
