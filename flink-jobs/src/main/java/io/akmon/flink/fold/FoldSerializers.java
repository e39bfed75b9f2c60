package io.akmon.flink.fold;

import io.akmon.flink.types.StateSerializer;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/** Serializers of the window folds in keyed state. */
public final class FoldSerializers {
    private FoldSerializers() {
    }

    /** {@link Totals}, one per host, resolution and window. */
    public static final class TotalsSerializer extends StateSerializer<Totals> {
        private static final long serialVersionUID = 1L;
        public static final TotalsSerializer INSTANCE = new TotalsSerializer();

        /** 2: the host records' CPU and memory figures follow the streams. 3: then the UDP and interface figures. */
        @Override
        protected int format() {
            return 3;
        }

        @Override
        public Totals createInstance() {
            return new Totals();
        }

        @Override
        protected void write(Totals t, DataOutputView out) throws IOException {
            for (long v : new long[] {t.records, t.onCpuNs, t.rssMaxBytes, t.pageFaults, t.oomKills, t.diskReadBytes,
                t.diskWriteBytes, t.diskReadOps, t.diskWriteOps, t.netBytesSent, t.netBytesReceived, t.netRetransmits,
                t.connectionsOpened, t.connectionsClosed, t.forks, t.execs, t.exits, t.lifetimeNsSum, t.lifetimeNsMax,
                t.reportedLost}) {
                out.writeLong(v);
            }
            writeArrayMap(t.syscalls, out);
            writeCountMap(t.exitsByCode, out);
            writeCountMap(t.exitsBySignal, out);
            writeArrayMap(t.streams, out);
            for (long v : new long[] {t.hostRecords, t.cpuBusyNs, t.cpuIntervalNs, t.memTs, t.memSeq, t.memTotalBytes,
                t.memAvailableBytes, t.memUsedBytes}) {
                out.writeLong(v);
            }
            writeLongs(t.udp, out); // format 3
            writeArrayMap(t.interfaces, out);
        }

        @Override
        protected Totals read(int format, DataInputView in) throws IOException {
            Totals t = new Totals();
            t.records = in.readLong();
            t.onCpuNs = in.readLong();
            t.rssMaxBytes = in.readLong();
            t.pageFaults = in.readLong();
            t.oomKills = in.readLong();
            t.diskReadBytes = in.readLong();
            t.diskWriteBytes = in.readLong();
            t.diskReadOps = in.readLong();
            t.diskWriteOps = in.readLong();
            t.netBytesSent = in.readLong();
            t.netBytesReceived = in.readLong();
            t.netRetransmits = in.readLong();
            t.connectionsOpened = in.readLong();
            t.connectionsClosed = in.readLong();
            t.forks = in.readLong();
            t.execs = in.readLong();
            t.exits = in.readLong();
            t.lifetimeNsSum = in.readLong();
            t.lifetimeNsMax = in.readLong();
            t.reportedLost = in.readLong();
            t.syscalls = readArrayMap(in);
            t.exitsByCode = readCountMap(in);
            t.exitsBySignal = readCountMap(in);
            t.streams = readArrayMap(in);
            if (format >= 2) {
                t.hostRecords = in.readLong();
                t.cpuBusyNs = in.readLong();
                t.cpuIntervalNs = in.readLong();
                t.memTs = in.readLong();
                t.memSeq = in.readLong();
                t.memTotalBytes = in.readLong();
                t.memAvailableBytes = in.readLong();
                t.memUsedBytes = in.readLong();
            }
            t.udp = format >= 3 ? readLongs(in) : null;
            t.interfaces = format >= 3 ? readArrayMap(in) : null;
            return t;
        }

        @Override
        public TypeSerializerSnapshot<Totals> snapshotConfiguration() {
            return new Snapshot();
        }

        public static final class Snapshot extends SimpleTypeSerializerSnapshot<Totals> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }

    /** {@link ProcessFold}, one per host, resolution, window and pid. */
    public static final class ProcessFoldSerializer extends StateSerializer<ProcessFold> {
        private static final long serialVersionUID = 1L;
        public static final ProcessFoldSerializer INSTANCE = new ProcessFoldSerializer();

        /**
         * 2: the file changes and file I/O per process follow the disk histogram. 3: then the children
         * forked, the process context (parent, image, start) and the UDP figures.
         */
        @Override
        protected int format() {
            return 3;
        }

        @Override
        public ProcessFold createInstance() {
            return new ProcessFold();
        }

        @Override
        protected void write(ProcessFold p, DataOutputView out) throws IOException {
            out.writeInt(p.flags);
            for (long v : new long[] {p.seenMs, p.startedMs, p.exitedMs, p.rssTs, p.rssSeq, p.rssBytes, p.records,
                p.commTs, p.onCpuNs, p.rssMaxBytes, p.pageFaults, p.oomKills, p.diskReadBytes, p.diskWriteBytes,
                p.diskReadOps, p.diskWriteOps, p.netBytesSent, p.netBytesReceived, p.netRetransmits,
                p.connectionsOpened, p.connectionsClosed, p.forks, p.execs, p.exitTs, p.lifetimeNs}) {
                out.writeLong(v);
            }
            out.writeInt(p.exitCode);
            out.writeInt(p.exitSignal);
            out.writeBoolean(p.coreDumped);
            writeString(p.comm, out);
            writeArrayMap(p.syscalls, out);
            writeLongs(p.diskLatencyHistUs, out);
            writeArrayMap(p.fileOps, out); // format 2
            writeArrayMap(p.fileIo, out);
            out.writeLong(p.childrenForked); // format 3
            out.writeLong(p.parentTs);
            out.writeInt(p.ppid);
            out.writeLong(p.imageTs);
            writeString(p.exe, out);
            writeStrings(p.argv, out);
            writeString(p.uid, out);
            out.writeBoolean(p.imageFromProc);
            out.writeLong(p.startTs);
            writeLongs(p.udp, out);
        }

        @Override
        protected ProcessFold read(int format, DataInputView in) throws IOException {
            ProcessFold p = new ProcessFold();
            p.flags = in.readInt();
            p.seenMs = in.readLong();
            p.startedMs = in.readLong();
            p.exitedMs = in.readLong();
            p.rssTs = in.readLong();
            p.rssSeq = in.readLong();
            p.rssBytes = in.readLong();
            p.records = in.readLong();
            p.commTs = in.readLong();
            p.onCpuNs = in.readLong();
            p.rssMaxBytes = in.readLong();
            p.pageFaults = in.readLong();
            p.oomKills = in.readLong();
            p.diskReadBytes = in.readLong();
            p.diskWriteBytes = in.readLong();
            p.diskReadOps = in.readLong();
            p.diskWriteOps = in.readLong();
            p.netBytesSent = in.readLong();
            p.netBytesReceived = in.readLong();
            p.netRetransmits = in.readLong();
            p.connectionsOpened = in.readLong();
            p.connectionsClosed = in.readLong();
            p.forks = in.readLong();
            p.execs = in.readLong();
            p.exitTs = in.readLong();
            p.lifetimeNs = in.readLong();
            p.exitCode = in.readInt();
            p.exitSignal = in.readInt();
            p.coreDumped = in.readBoolean();
            p.comm = readString(in);
            p.syscalls = readArrayMap(in);
            p.diskLatencyHistUs = readLongs(in);
            p.fileOps = format >= 2 ? readArrayMap(in) : null;
            p.fileIo = format >= 2 ? readArrayMap(in) : null;
            if (format >= 3) {
                p.childrenForked = in.readLong();
                p.parentTs = in.readLong();
                p.ppid = in.readInt();
                p.imageTs = in.readLong();
                p.exe = readString(in);
                p.argv = readStrings(in);
                p.uid = readString(in);
                p.imageFromProc = in.readBoolean();
                p.startTs = in.readLong();
                p.udp = readLongs(in);
            }
            return p;
        }

        @Override
        public TypeSerializerSnapshot<ProcessFold> snapshotConfiguration() {
            return new Snapshot();
        }

        public static final class Snapshot extends SimpleTypeSerializerSnapshot<ProcessFold> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }

    /** {@link SessionFold}, one per host and pid. */
    public static final class SessionFoldSerializer extends StateSerializer<SessionFold> {
        private static final long serialVersionUID = 1L;
        public static final SessionFoldSerializer INSTANCE = new SessionFoldSerializer();

        @Override
        public SessionFold createInstance() {
            return new SessionFold();
        }

        @Override
        protected void write(SessionFold s, DataOutputView out) throws IOException {
            ProcessFoldSerializer.INSTANCE.serialize(s.life, out);
            out.writeLong(s.firstStart);
            out.writeLong(s.lastEnd);
            out.writeDouble(s.coverage);
            out.writeBoolean(s.changed);
            out.writeBoolean(s.emitted);
        }

        @Override
        protected SessionFold read(int format, DataInputView in) throws IOException {
            SessionFold s = new SessionFold();
            s.life = ProcessFoldSerializer.INSTANCE.deserialize(in);
            s.firstStart = in.readLong();
            s.lastEnd = in.readLong();
            s.coverage = in.readDouble();
            s.changed = in.readBoolean();
            s.emitted = in.readBoolean();
            return s;
        }

        @Override
        public TypeSerializerSnapshot<SessionFold> snapshotConfiguration() {
            return new Snapshot();
        }

        public static final class Snapshot extends SimpleTypeSerializerSnapshot<SessionFold> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
