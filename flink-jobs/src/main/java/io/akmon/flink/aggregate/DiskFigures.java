package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.functions.AggregateFunction;

/** Running sums of one block device in one window, per direction. */
public class DiskFigures {
    public String dev;
    public long readOps;
    public long readBytes;
    public long readLatencyNsSum;
    public long[] readHistUs = new long[Figures.HIST_BUCKETS];
    public long writeOps;
    public long writeBytes;
    public long writeLatencyNsSum;
    public long[] writeHistUs = new long[Figures.HIST_BUCKETS];

    public void add(Event e) {
        if (e.dev != null) {
            dev = e.dev;
        }
        if ("read".equals(e.op)) {
            readOps += e.ops;
            readBytes += e.bytes;
            readLatencyNsSum += e.latencyNsSum;
            Figures.addHistogram(readHistUs, e.latencyHistUs);
        } else {
            writeOps += e.ops;
            writeBytes += e.bytes;
            writeLatencyNsSum += e.latencyNsSum;
            Figures.addHistogram(writeHistUs, e.latencyHistUs);
        }
    }

    public DiskFigures merge(DiskFigures o) {
        if (dev == null) {
            dev = o.dev;
        }
        readOps += o.readOps;
        readBytes += o.readBytes;
        readLatencyNsSum += o.readLatencyNsSum;
        Figures.addHistogram(readHistUs, o.readHistUs);
        writeOps += o.writeOps;
        writeBytes += o.writeBytes;
        writeLatencyNsSum += o.writeLatencyNsSum;
        Figures.addHistogram(writeHistUs, o.writeHistUs);
        return this;
    }

    /** The incremental window function over disk events. */
    public static class Aggregator implements AggregateFunction<Event, DiskFigures, DiskFigures> {
        private static final long serialVersionUID = 1L;

        @Override
        public DiskFigures createAccumulator() {
            return new DiskFigures();
        }

        @Override
        public DiskFigures add(Event value, DiskFigures acc) {
            acc.add(value);
            return acc;
        }

        @Override
        public DiskFigures getResult(DiskFigures acc) {
            return acc;
        }

        @Override
        public DiskFigures merge(DiskFigures a, DiskFigures b) {
            return a.merge(b);
        }
    }
}
