package io.akmon.flink.sink.es;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.ClusterAggregate;
import io.akmon.flink.aggregate.ConnectionAggregate;
import io.akmon.flink.aggregate.DiskAggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.InterfaceAggregate;
import io.akmon.flink.aggregate.ProcessAggregate;
import io.akmon.flink.aggregate.SyscallCount;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deterministic aggregates as the aggregation job emits them: {@link #aggregate(long)} is a pure function
 * of its index, so a Flink source can regenerate the same documents after a restart. Per window of 10 s:
 * for each host one host aggregate, {@value #PROCESSES} processes, one disk, one TCP connection, one UDP
 * endpoint pair and one network interface; plus one cluster aggregate.
 */
public final class AggregateFixtures {
    public static final String[] HOSTS = {"node-a", "node-b"};
    public static final String[] COMMS = {"postgres", "nginx", "java"};
    public static final int PROCESSES = 3;
    public static final long WINDOW_MS = 10_000;
    /** Documents per window: per host (host + processes + disk + connection + UDP pair + interface) and one cluster document. */
    public static final int PER_WINDOW = HOSTS.length * (1 + PROCESSES + 1 + 1 + 1 + 1) + 1;

    private final long firstWindow;

    /** Windows counted back from {@code endMillis}, so the newest window starts just before it. */
    public AggregateFixtures(long endMillis, int windows) {
        this.firstWindow = (endMillis / WINDOW_MS - windows) * WINDOW_MS;
    }

    public static AggregateFixtures endingNow(int windows) {
        return new AggregateFixtures(System.currentTimeMillis(), windows);
    }

    public long firstWindow() {
        return firstWindow;
    }

    public List<Aggregate> all(int windows) {
        List<Aggregate> list = new ArrayList<>();
        for (long i = 0; i < (long) windows * PER_WINDOW; i++) {
            list.add(aggregate(i));
        }
        return list;
    }

    /** The i-th document: window i / PER_WINDOW, slot i % PER_WINDOW. */
    public Aggregate aggregate(long i) {
        long w = i / PER_WINDOW;
        int slot = (int) (i % PER_WINDOW);
        long start = firstWindow + w * WINDOW_MS;
        long end = start + WINDOW_MS;
        if (slot == PER_WINDOW - 1) {
            ClusterAggregate c = new ClusterAggregate();
            base(c, ClusterAggregate.KIND, ClusterAggregate.ALL_HOSTS, null, start, end);
            c.hosts = HOSTS.length;
            totals(c, w, 0);
            return c;
        }
        int h = slot / (PER_WINDOW / HOSTS.length);
        int k = slot % (PER_WINDOW / HOSTS.length);
        String host = HOSTS[h];
        if (k == 0) {
            HostAggregate a = new HostAggregate();
            base(a, HostAggregate.KIND, host, null, start, end);
            totals(a, w, h + 1);
            return a;
        }
        if (k <= PROCESSES) {
            int pid = 1000 * (h + 1) + k;
            ProcessAggregate p = new ProcessAggregate();
            base(p, ProcessAggregate.KIND, host, Integer.toString(pid), start, end);
            p.pid = pid;
            p.comm = COMMS[k - 1];
            p.records = 50 + w;
            p.onCpuNs = (k * 1_000_000_000L + w * 10_000_000L) * (h + 1);
            p.cpuSeconds = p.onCpuNs / 1e9;
            p.cpuPct = p.onCpuNs / (WINDOW_MS * 1e6) * 100;
            p.rssBytes = (100L + 10 * k + w) << 20;
            p.rssMaxBytes = p.rssBytes;
            p.pageFaults = 10 * k;
            p.syscallCount = 1000L * k + w;
            p.syscallErrors = k;
            p.syscalls = new ArrayList<>(List.of(new SyscallCount("read", 600L * k, 0), new SyscallCount("write", 400L * k + w, k)));
            p.diskReadBytes = 4096L * k;
            p.diskWriteBytes = 8192L * k;
            p.diskReadOps = k;
            p.diskWriteOps = 2L * k;
            p.diskLatencyP50Us = 64;
            p.diskLatencyP95Us = 256;
            p.diskLatencyP99Us = 1024;
            p.netBytesSent = 10_000L * k;
            p.netBytesReceived = 20_000L * k;
            p.netBytesSentPerSec = p.netBytesSent / 10.0;
            p.netBytesReceivedPerSec = p.netBytesReceived / 10.0;
            p.netRetransmits = k - 1;
            p.connectionsOpened = k;
            p.connectionsClosed = k - 1;
            p.startedByFork = k == 1 ? 1 : 0;
            p.childrenForked = k == 1 ? 2 : 0;
            p.ppid = 1;
            p.exe = "/usr/bin/worker";
            p.argv = List.of("worker", "--id", Integer.toString(k));
            p.uid = "1000";
            p.startTs = 1_767_225_600_000_000_000L;
            p.contextSource = "exec";
            p.udpDatagramsSent = 5L * k;
            p.udpBytesSent = 500L * k;
            p.udpDatagramsReceived = 4L * k;
            p.udpBytesReceived = 400L * k + w;
            p.fileOpCount = 3L * k;
            p.fileOpErrors = k - 1;
            p.fileOps = new ArrayList<>(List.of(new SyscallCount("create", 2L * k, 0), new SyscallCount("unlink", k, k - 1)));
            p.fileReadBytes = 65_536L * k + w;
            p.fileWriteBytes = 16_384L * k;
            p.fileReadOps = 2L * k;
            p.fileWriteOps = k;
            p.execs = k == 1 ? 1 : 0;
            if (k == PROCESSES && w % 2 == 1) {
                p.exited = true;
                p.exitCode = 1;
                p.exitSignal = 0;
                p.coreDumped = false;
                p.lifetimeNs = 5_000_000_000L;
            }
            return p;
        }
        if (k == PROCESSES + 1) {
            DiskAggregate d = new DiskAggregate();
            base(d, DiskAggregate.KIND, host, "sda", start, end);
            d.device = "sda";
            d.dev = "8:0";
            d.readOps = 10 + w;
            d.readBytes = d.readOps * 4096;
            d.readIops = d.readOps / 10.0;
            d.readBytesPerSec = d.readBytes / 10.0;
            d.readLatencyAvgUs = 120.5;
            d.readLatencyP50Us = 128;
            d.readLatencyP95Us = 512;
            d.readLatencyP99Us = 2048;
            d.writeOps = 20 + w;
            d.writeBytes = d.writeOps * 8192;
            d.writeIops = d.writeOps / 10.0;
            d.writeBytesPerSec = d.writeBytes / 10.0;
            d.writeLatencyAvgUs = 300.25;
            d.writeLatencyP50Us = 256;
            d.writeLatencyP95Us = 1024;
            d.writeLatencyP99Us = 4096;
            return d;
        }
        if (k == PROCESSES + 4) {
            InterfaceAggregate n = new InterfaceAggregate();
            base(n, InterfaceAggregate.KIND, host, "eth0", start, end);
            n.device = "eth0";
            n.rxBytes = 150_000L + w;
            n.txBytes = 70_000L + w;
            n.rxPackets = 120;
            n.txPackets = 80;
            n.rxDropped = w % 4 == 0 ? 1 : 0;
            n.txDropped = 0;
            n.rxErrors = w % 5 == 0 ? 1 : 0;
            n.txErrors = 0;
            n.rxBytesPerSec = n.rxBytes / 10.0;
            n.txBytesPerSec = n.txBytes / 10.0;
            return n;
        }
        boolean udp = k == PROCESSES + 3;
        ConnectionAggregate c = new ConnectionAggregate();
        base(c, ConnectionAggregate.KIND, host, (udp ? "u00000000000000a1" : "77") + "@boot-" + host, start, end);
        if (udp) {
            c.conn = "u00000000000000a1";
            c.proto = "udp";
            c.pid = 1000 * (h + 1) + 2;
            c.comm = COMMS[1];
            c.saddr = "0.0.0.0";
            c.sport = 5353;
            c.daddr = "10.0.1.53";
            c.dport = 53;
            c.datagramsSent = 10 + w;
            c.datagramsReceived = 10 + w;
            c.bytesSent = 600 + w;
            c.bytesReceived = 1800 + w;
            c.bytesSentPerSec = c.bytesSent / 10.0;
            c.bytesReceivedPerSec = c.bytesReceived / 10.0;
            return c;
        }
        c.proto = "tcp";
        c.conn = "77";
        c.pid = 1000 * (h + 1) + 1;
        c.comm = COMMS[0];
        c.saddr = "10.0.0." + (h + 1);
        c.sport = 40000 + h;
        c.daddr = "10.0.1.9";
        c.dport = 5432;
        c.direction = "outbound";
        c.opened = w == 0 ? 1 : 0;
        c.bytesSent = 1000 + w;
        c.bytesReceived = 2000 + w;
        c.bytesSentPerSec = c.bytesSent / 10.0;
        c.bytesReceivedPerSec = c.bytesReceived / 10.0;
        c.retransmits = w % 3;
        return c;
    }

    private static void totals(io.akmon.flink.aggregate.TotalsAggregate t, long w, int hostFactor) {
        int f = hostFactor == 0 ? HOSTS.length : hostFactor;
        t.records = 500 + w;
        t.activeProcesses = PROCESSES * (hostFactor == 0 ? HOSTS.length : 1);
        t.liveProcesses = t.activeProcesses;
        t.onCpuNs = 6_000_000_000L * f + w * 1_000_000L;
        t.cpuSeconds = t.onCpuNs / 1e9;
        t.cpuPct = t.onCpuNs / (WINDOW_MS * 1e6) * 100;
        t.rssBytes = (512L * f + w) << 20;
        t.pageFaults = 60L * f;
        t.syscallCount = 6000L * f + w;
        t.syscallErrors = 6L * f;
        t.syscalls = new ArrayList<>(List.of(new SyscallCount("read", 3600L * f, 0), new SyscallCount("write", 2400L * f + w, 6L * f)));
        t.topSyscalls = new ArrayList<>(t.syscalls);
        t.diskReadBytes = 24576L * f;
        t.diskWriteBytes = 49152L * f;
        t.diskReadOps = 6L * f;
        t.diskWriteOps = 12L * f;
        t.netBytesSent = 60_000L * f;
        t.netBytesReceived = 120_000L * f;
        t.netBytesSentPerSec = t.netBytesSent / 10.0;
        t.netBytesReceivedPerSec = t.netBytesReceived / 10.0;
        t.netRetransmits = 3L * f;
        t.connectionsOpened = 6L * f;
        t.connectionsClosed = 3L * f;
        t.udpDatagramsSent = 30L * f;
        t.udpBytesSent = 3000L * f;
        t.udpDatagramsReceived = 24L * f;
        t.udpBytesReceived = 2400L * f + w;
        t.processStarts = f;
        t.execs = f;
        t.processExits = w % 2;
        t.exitsByCode = new HashMap<>(w % 2 == 1 ? Map.of("1", 1L) : Map.of());
        t.exitsBySignal = new HashMap<>();
        t.lifetimeNsSum = w % 2 == 1 ? 5_000_000_000L : 0;
        t.lifetimeNsMax = t.lifetimeNsSum;
        t.lifetimeNsAvg = t.lifetimeNsSum;
        t.coverage = 1.0;
    }

    /** Fills what {@code Aggregate.identify} would, with the same id format. */
    private static void base(Aggregate a, String kind, String host, String key, long start, long end) {
        a.kind = kind;
        a.resolution = "10s";
        a.host = host;
        a.timestamp = start;
        a.windowEnd = end;
        a.id = kind + "/10s/" + host + (key == null ? "" : "/" + key) + "/" + start;
        a.coverage = 1.0;
    }
}
