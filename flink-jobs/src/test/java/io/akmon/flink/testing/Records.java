package io.akmon.flink.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.akmon.flink.ingest.Event;
import io.akmon.schema.Fields;

import java.nio.charset.StandardCharsets;

/** Builds agent records for tests, as {@link Event}s or as the agent's JSON. */
public final class Records {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String BOOT = "boot-1";

    private Records() {
    }

    /** A record of the given family at {@code tsMs} milliseconds, on (host, BOOT, cpu) with seq. */
    public static Event base(String type, String host, int cpu, long seq, long tsMs, int pid, String comm) {
        Event e = new Event();
        e.type = type;
        e.schemaVersion = 1;
        e.host = host;
        e.bootId = BOOT;
        e.cpu = cpu;
        e.seq = seq;
        e.ts = tsMs * 1_000_000L + 123;
        e.pid = pid;
        e.comm = comm;
        return e;
    }

    /** The agent's heartbeat: its host's progress at {@code progressMs} (on the agent stream, seq 0, pid 0). */
    public static Event heartbeat(String host, long progressMs) {
        return base("heartbeat", host, -1, 0, progressMs, 0, null);
    }

    /** The heartbeat of a clean close: the host's last records are in, it sends no more. */
    public static Event closingHeartbeat(String host, long progressMs) {
        Event e = heartbeat(host, progressMs);
        e.closing = true;
        return e;
    }

    public static Event fork(String host, int cpu, long seq, long tsMs, int pid, int ppid, String comm) {
        Event e = base("fork", host, cpu, seq, tsMs, pid, comm);
        e.ppid = ppid;
        return e;
    }

    public static Event exec(String host, int cpu, long seq, long tsMs, int pid, String comm) {
        return base("exec", host, cpu, seq, tsMs, pid, comm);
    }

    /** An exec with its image: who (uid), what (filename) and how (argv). */
    public static Event exec(String host, int cpu, long seq, long tsMs, int pid, int ppid, String comm, String uid,
                             String filename, String... argv) {
        Event e = exec(host, cpu, seq, tsMs, pid, comm);
        e.ppid = ppid;
        e.uid = uid;
        e.filename = filename;
        e.argv = argv;
        return e;
    }

    /** The agent's initial sample of a process older than it, with what /proc says of the process. */
    public static Event initial(String host, long seq, long tsMs, int pid, int ppid, String comm, long startTsNs,
                                String uid, String filename, String... argv) {
        Event e = memory(host, -1, seq, tsMs, pid, comm, 4096, 4096, 0);
        e.initial = true;
        e.ppid = ppid;
        e.startTs = startTsNs;
        e.uid = uid;
        e.filename = filename;
        e.argv = argv;
        return e;
    }

    public static Event exit(String host, int cpu, long seq, long tsMs, int pid, String comm, int code, int signal,
                             long lifetimeNs) {
        Event e = base("exit", host, cpu, seq, tsMs, pid, comm);
        e.exitCode = code;
        e.signal = signal;
        e.lifetimeNs = lifetimeNs;
        return e;
    }

    public static Event cpu(String host, int cpu, long seq, long tsMs, int pid, String comm, long onCpuNs) {
        Event e = base("cpu", host, cpu, seq, tsMs, pid, comm);
        e.onCpuNs = onCpuNs;
        e.intervalNs = 1_000_000_000L;
        return e;
    }

    public static Event syscall(String host, int cpu, long seq, long tsMs, int pid, String comm, String name,
                                long count, long errors) {
        Event e = base("syscall", host, cpu, seq, tsMs, pid, comm);
        e.syscall = name;
        e.count = count;
        e.errors = errors;
        e.intervalNs = 1_000_000_000L;
        return e;
    }

    public static Event memory(String host, int cpu, long seq, long tsMs, int pid, String comm, long rss,
                               long rssMax, long faults) {
        Event e = base("memory", host, cpu, seq, tsMs, pid, comm);
        e.event = "sample";
        e.rssBytes = rss;
        e.rssMaxBytes = rssMax;
        e.pageFaults = faults;
        return e;
    }

    public static Event oomKill(String host, int cpu, long seq, long tsMs, int pid, String comm, long rss) {
        Event e = base("memory", host, cpu, seq, tsMs, pid, comm);
        e.event = "oom_kill";
        e.rssBytes = rss;
        return e;
    }

    public static Event disk(String host, int cpu, long seq, long tsMs, int pid, String comm, String device,
                             String op, long ops, long bytes, long latencyNsSum, long[] hist) {
        Event e = base("disk", host, cpu, seq, tsMs, pid, comm);
        e.dev = "253:0";
        e.device = device;
        e.op = op;
        e.ops = ops;
        e.bytes = bytes;
        e.latencyNsSum = latencyNsSum;
        e.latencyHistUs = hist;
        e.intervalNs = 1_000_000_000L;
        return e;
    }

    public static Event file(String host, int cpu, long seq, long tsMs, int pid, String comm, String op, String path,
                             int errno) {
        Event e = base("file", host, cpu, seq, tsMs, pid, comm);
        e.op = op;
        e.path = path;
        e.newPath = "rename".equals(op) ? path + ".new" : null;
        e.errno = errno;
        return e;
    }

    public static Event fileIo(String host, long seq, long tsMs, int pid, String comm, String kind, String op, long ops,
                               long bytes) {
        Event e = base("file", host, -1, seq, tsMs, pid, comm);
        e.fdKind = kind;
        e.op = op;
        e.ops = ops;
        e.bytes = bytes;
        e.intervalNs = 1_000_000_000L;
        return e;
    }

    public static Event net(String host, int cpu, long seq, long tsMs, int pid, String comm, String event,
                            String conn, long sent, long received, long retransmits) {
        Event e = base("net", host, cpu, seq, tsMs, pid, comm);
        e.event = event;
        e.conn = conn;
        e.saddr = "10.0.0.1";
        e.sport = 40000;
        e.daddr = "10.0.0.2";
        e.dport = 443;
        e.bytesSent = sent;
        e.bytesReceived = received;
        e.retransmits = retransmits;
        return e;
    }

    /** A UDP endpoint pair's interval figures (net, event udp). */
    public static Event udp(String host, int cpu, long seq, long tsMs, int pid, String comm, String conn, long datagramsSent,
                            long bytesSent, long datagramsReceived, long bytesReceived) {
        Event e = net(host, cpu, seq, tsMs, pid, comm, "udp", conn, bytesSent, bytesReceived, 0);
        e.dport = 53;
        e.datagramsSent = datagramsSent;
        e.datagramsReceived = datagramsReceived;
        e.intervalNs = 1_000_000_000L;
        return e;
    }

    /** A host's interface counters since the previous drain (net, event interface, pid 0), in Fields.INTERFACE_COUNTERS order. */
    public static Event iface(String host, long seq, long tsMs, String device, long... counters) {
        Event e = base("net", host, -1, seq, tsMs, 0, null);
        e.event = "interface";
        e.device = device;
        e.ifCounters = counters.clone();
        e.intervalNs = 1_000_000_000L;
        return e;
    }

    public static Event lost(String host, long seq, long tsMs, String source, long lost) {
        Event e = base("lost", host, -1, seq, tsMs, 0, null);
        e.source = source;
        e.lost = lost;
        return e;
    }

    /** A host record: the kernel's busy CPU time over {@code intervalNs}, and /proc/meminfo's figures. */
    public static Event host(String host, long seq, long tsMs, long busyNs, long intervalNs, long memTotal,
                             long memAvailable) {
        Event e = base("host", host, -1, seq, tsMs, 0, null);
        e.cpuBusyNs = busyNs;
        e.intervalNs = intervalNs;
        e.memTotalBytes = memTotal;
        e.memAvailableBytes = memAvailable;
        e.memUsedBytes = memTotal - memAvailable;
        return e;
    }

    /** A histogram with {@code count} requests in bucket {@code bucket}. */
    public static long[] hist(int bucket, long count) {
        long[] h = new long[32];
        h[bucket] = count;
        return h;
    }

    /** The record as the agent writes it to Kafka. */
    public static byte[] json(Event e) {
        ObjectNode n = JSON.createObjectNode();
        n.put(Fields.TYPE, e.type);
        n.put(Fields.SCHEMA, e.schemaVersion);
        n.put(Fields.HOST, e.host);
        n.put(Fields.BOOT_ID, e.bootId);
        n.put(Fields.CPU, e.cpu);
        n.put(Fields.SEQ, e.seq);
        n.put(Fields.TS, e.ts);
        n.put(Fields.PID, e.pid);
        if (e.comm != null) {
            n.put(Fields.COMM, e.comm);
        }
        switch (e.type) {
            case "fork", "exec" -> n.put(Fields.PPID, e.ppid);
            case "exit" -> {
                n.put(Fields.PPID, e.ppid);
                n.put(Fields.EXIT_CODE, e.exitCode);
                n.put(Fields.SIGNAL, e.signal);
                n.put(Fields.CORE_DUMPED, e.coreDumped);
                n.put(Fields.LIFETIME_NS, e.lifetimeNs);
            }
            case "syscall" -> {
                n.put(Fields.SYSCALL, e.syscall);
                n.put(Fields.SYSCALL_NR, 0);
                n.put(Fields.COUNT, e.count);
                n.put(Fields.ERRORS, e.errors);
                n.put(Fields.INTERVAL_NS, e.intervalNs);
                n.put(Fields.SAMPLE_RATE, 1);
            }
            case "cpu" -> {
                n.put(Fields.ON_CPU_NS, e.onCpuNs);
                n.put(Fields.INTERVAL_NS, e.intervalNs);
                n.put(Fields.CPU_PCT, e.intervalNs == 0 ? 0 : e.onCpuNs * 100.0 / e.intervalNs);
            }
            case "memory" -> {
                n.put(Fields.EVENT, e.event);
                n.put(Fields.RSS_BYTES, e.rssBytes);
                if ("sample".equals(e.event)) {
                    n.put(Fields.RSS_MAX_BYTES, e.rssMaxBytes);
                    n.put(Fields.PAGE_FAULTS, e.pageFaults);
                }
            }
            case "disk" -> {
                n.put(Fields.DEV, e.dev);
                n.put(Fields.DEVICE, e.device);
                n.put(Fields.OP, e.op);
                n.put(Fields.OPS, e.ops);
                n.put(Fields.BYTES, e.bytes);
                n.put(Fields.LATENCY_NS_SUM, e.latencyNsSum);
                ArrayNode h = n.putArray(Fields.LATENCY_HIST_US);
                for (long v : e.latencyHistUs) {
                    h.add(v);
                }
                n.put(Fields.INTERVAL_NS, e.intervalNs);
            }
            case "net" -> {
                n.put(Fields.EVENT, e.event);
                if (e.ifCounters != null) {
                    n.put(Fields.DEVICE, e.device);
                    for (int i = 0; i < e.ifCounters.length; i++) {
                        n.put(Fields.INTERFACE_COUNTERS[i], e.ifCounters[i]);
                    }
                    n.put(Fields.INTERVAL_NS, e.intervalNs);
                    break;
                }
                if ("udp".equals(e.event)) {
                    n.put(Fields.DATAGRAMS_SENT, e.datagramsSent);
                    n.put(Fields.DATAGRAMS_RECEIVED, e.datagramsReceived);
                    n.put(Fields.INTERVAL_NS, e.intervalNs);
                }
                n.put(Fields.CONN, e.conn);
                n.put(Fields.FAMILY, 4);
                n.put(Fields.SADDR, e.saddr);
                n.put(Fields.SPORT, e.sport);
                n.put(Fields.DADDR, e.daddr);
                n.put(Fields.DPORT, e.dport);
                if (!e.event.equals("connect") && !e.event.equals("accept")) {
                    n.put(Fields.BYTES_SENT, e.bytesSent);
                    n.put(Fields.BYTES_RECEIVED, e.bytesReceived);
                    if (!"udp".equals(e.event)) { // the agent's UDP records have no retransmits
                        n.put(Fields.RETRANSMITS, e.retransmits);
                    }
                }
            }
            case "file" -> {
                n.put(Fields.OP, e.op);
                if (e.fdKind != null) {
                    n.put(Fields.FD_KIND, e.fdKind);
                    n.put(Fields.OPS, e.ops);
                    n.put(Fields.BYTES, e.bytes);
                    n.put(Fields.INTERVAL_NS, e.intervalNs);
                } else {
                    n.put(Fields.PATH, e.path);
                    if (e.newPath != null) {
                        n.put(Fields.NEW_PATH, e.newPath);
                    }
                    n.put(Fields.ERRNO, e.errno);
                }
            }
            case "lost" -> {
                n.put(Fields.SOURCE, e.source);
                n.put(Fields.LOST, e.lost);
                n.put("source_cpu", e.sourceCpu);
            }
            default -> { }
        }
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }
}
