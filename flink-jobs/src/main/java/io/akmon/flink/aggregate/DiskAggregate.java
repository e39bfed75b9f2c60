package io.akmon.flink.aggregate;

import io.akmon.flink.fold.DiskFigures;

/** One block device of one host in one window. Latency percentiles are log2 bucket upper bounds. */
public class DiskAggregate extends Aggregate {
    public static final String KIND = "disk";

    public String device;
    public String dev;
    public long readOps;
    public long readBytes;
    public double readIops;
    public double readBytesPerSec;
    public double readLatencyAvgUs;
    public long readLatencyP50Us;
    public long readLatencyP95Us;
    public long readLatencyP99Us;
    public long writeOps;
    public long writeBytes;
    public double writeIops;
    public double writeBytesPerSec;
    public double writeLatencyAvgUs;
    public long writeLatencyP50Us;
    public long writeLatencyP95Us;
    public long writeLatencyP99Us;

    public DiskAggregate() {
    }

    public static DiskAggregate of(String resolution, String host, String device, long start, long end,
                                   DiskFigures f) {
        DiskAggregate a = new DiskAggregate();
        a.identify(KIND, resolution, host, device, start, end);
        double secs = a.windowSeconds();
        a.device = device;
        a.dev = f.dev;
        a.readOps = f.readOps;
        a.readBytes = f.readBytes;
        a.readIops = perSecond(f.readOps, secs);
        a.readBytesPerSec = perSecond(f.readBytes, secs);
        a.readLatencyAvgUs = f.readOps == 0 ? 0 : f.readLatencyNsSum / 1000.0 / f.readOps;
        a.readLatencyP50Us = Percentiles.upperBoundUs(f.readHistUs, 0.50);
        a.readLatencyP95Us = Percentiles.upperBoundUs(f.readHistUs, 0.95);
        a.readLatencyP99Us = Percentiles.upperBoundUs(f.readHistUs, 0.99);
        a.writeOps = f.writeOps;
        a.writeBytes = f.writeBytes;
        a.writeIops = perSecond(f.writeOps, secs);
        a.writeBytesPerSec = perSecond(f.writeBytes, secs);
        a.writeLatencyAvgUs = f.writeOps == 0 ? 0 : f.writeLatencyNsSum / 1000.0 / f.writeOps;
        a.writeLatencyP50Us = Percentiles.upperBoundUs(f.writeHistUs, 0.50);
        a.writeLatencyP95Us = Percentiles.upperBoundUs(f.writeHistUs, 0.95);
        a.writeLatencyP99Us = Percentiles.upperBoundUs(f.writeHistUs, 0.99);
        return a;
    }
}
