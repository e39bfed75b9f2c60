package io.akmon.flink.fold;

import io.akmon.flink.ingest.Event;

/** Running sums of one block device of one host in one window, per direction (a Flink POJO). */
public class DiskFigures {
    public String dev;
    public long readOps;
    public long readBytes;
    public long readLatencyNsSum;
    public long[] readHistUs = new long[ProcessFold.HIST_BUCKETS];
    public long writeOps;
    public long writeBytes;
    public long writeLatencyNsSum;
    public long[] writeHistUs = new long[ProcessFold.HIST_BUCKETS];

    public void add(Event e) {
        if (e.dev != null) {
            dev = e.dev;
        }
        if ("read".equals(e.op)) {
            readOps += e.ops;
            readBytes += e.bytes;
            readLatencyNsSum += e.latencyNsSum;
            addHistogram(readHistUs, e.latencyHistUs);
        } else {
            writeOps += e.ops;
            writeBytes += e.bytes;
            writeLatencyNsSum += e.latencyNsSum;
            addHistogram(writeHistUs, e.latencyHistUs);
        }
    }

    /** Adds a partial fold of the same device whose records arrived after this one's. */
    public DiskFigures merge(DiskFigures o) {
        if (o.dev != null) {
            dev = o.dev;
        }
        readOps += o.readOps;
        readBytes += o.readBytes;
        readLatencyNsSum += o.readLatencyNsSum;
        addHistogram(readHistUs, o.readHistUs);
        writeOps += o.writeOps;
        writeBytes += o.writeBytes;
        writeLatencyNsSum += o.writeLatencyNsSum;
        addHistogram(writeHistUs, o.writeHistUs);
        return this;
    }

    static void addHistogram(long[] into, long[] from) {
        if (from == null) {
            return;
        }
        for (int i = 0; i < Math.min(into.length, from.length); i++) {
            into[i] += from[i];
        }
    }
}
