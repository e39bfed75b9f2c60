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
         * forked, the process context (parent, image, start) and the UDP figures. 4: compact: the 29 long
         * figures as a mask of those that differ from a new fold's, then only those (a process that
         * sends cpu and syscall records has a handful of the 29), then the rest as in format 3.
         */
        @Override
        protected int format() {
            return COMPACT;
        }

        private static final int COMPACT = 4;
        /** A new fold's long figures, in the order of {@link #longs}: what the mask of format 4 leaves out. */
        private static final long[] DEFAULTS = longs(new ProcessFold());

        /** The long figures of format 4, in its order: format 3's 25, then its children forked, parent, image and start times. */
        private static long[] longs(ProcessFold p) {
            return new long[] {p.seenMs, p.startedMs, p.exitedMs, p.rssTs, p.rssSeq, p.rssBytes, p.records,
                p.commTs, p.onCpuNs, p.rssMaxBytes, p.pageFaults, p.oomKills, p.diskReadBytes, p.diskWriteBytes,
                p.diskReadOps, p.diskWriteOps, p.netBytesSent, p.netBytesReceived, p.netRetransmits,
                p.connectionsOpened, p.connectionsClosed, p.forks, p.execs, p.exitTs, p.lifetimeNs,
                p.childrenForked, p.parentTs, p.imageTs, p.startTs};
        }

        private static void setLongs(ProcessFold p, long[] v) {
            p.seenMs = v[0];
            p.startedMs = v[1];
            p.exitedMs = v[2];
            p.rssTs = v[3];
            p.rssSeq = v[4];
            p.rssBytes = v[5];
            p.records = v[6];
            p.commTs = v[7];
            p.onCpuNs = v[8];
            p.rssMaxBytes = v[9];
            p.pageFaults = v[10];
            p.oomKills = v[11];
            p.diskReadBytes = v[12];
            p.diskWriteBytes = v[13];
            p.diskReadOps = v[14];
            p.diskWriteOps = v[15];
            p.netBytesSent = v[16];
            p.netBytesReceived = v[17];
            p.netRetransmits = v[18];
            p.connectionsOpened = v[19];
            p.connectionsClosed = v[20];
            p.forks = v[21];
            p.execs = v[22];
            p.exitTs = v[23];
            p.lifetimeNs = v[24];
            p.childrenForked = v[25];
            p.parentTs = v[26];
            p.imageTs = v[27];
            p.startTs = v[28];
        }

        @Override
        public ProcessFold createInstance() {
            return new ProcessFold();
        }

        @Override
        protected void write(ProcessFold p, DataOutputView out) throws IOException {
            out.writeInt(p.flags);
            long[] v = longs(p);
            int mask = 0;
            for (int i = 0; i < v.length; i++) {
                if (v[i] != DEFAULTS[i]) {
                    mask |= 1 << i;
                }
            }
            out.writeInt(mask);
            for (int i = 0; i < v.length; i++) {
                if ((mask & (1 << i)) != 0) {
                    out.writeLong(v[i]);
                }
            }
            out.writeInt(p.exitCode);
            out.writeInt(p.exitSignal);
            out.writeBoolean(p.coreDumped);
            writeString(p.comm, out);
            writeArrayMap(p.syscalls, out);
            writeLongs(p.diskLatencyHistUs, out);
            writeArrayMap(p.fileOps, out);
            writeArrayMap(p.fileIo, out);
            out.writeInt(p.ppid);
            writeString(p.exe, out);
            writeStrings(p.argv, out);
            writeString(p.uid, out);
            out.writeBoolean(p.imageFromProc);
            writeLongs(p.udp, out);
        }

        @Override
        protected ProcessFold read(int format, DataInputView in) throws IOException {
            if (format >= COMPACT) {
                return readCompact(in);
            }
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
            readExitNameAndMaps(p, in);
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

        /** The exit, the name, the syscalls and the disk histogram: the same in every format, after the long figures. */
        private static void readExitNameAndMaps(ProcessFold p, DataInputView in) throws IOException {
            p.exitCode = in.readInt();
            p.exitSignal = in.readInt();
            p.coreDumped = in.readBoolean();
            p.comm = readString(in);
            p.syscalls = readArrayMap(in);
            p.diskLatencyHistUs = readLongs(in);
        }

        private static ProcessFold readCompact(DataInputView in) throws IOException {
            ProcessFold p = new ProcessFold();
            p.flags = in.readInt();
            int mask = in.readInt();
            long[] v = DEFAULTS.clone();
            for (int i = 0; i < v.length; i++) {
                if ((mask & (1 << i)) != 0) {
                    v[i] = in.readLong();
                }
            }
            setLongs(p, v);
            readExitNameAndMaps(p, in);
            p.fileOps = readArrayMap(in);
            p.fileIo = readArrayMap(in);
            p.ppid = in.readInt();
            p.exe = readString(in);
            p.argv = readStrings(in);
            p.uid = readString(in);
            p.imageFromProc = in.readBoolean();
            p.udp = readLongs(in);
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
