package io.akmon.flink.ingest;

import io.akmon.schema.RecordId;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One parsed agent record: public fields, fields a family does not use keep their defaults. It travels
 * between operators with {@link EventSerializer}.
 */
@TypeInfo(EventSerializer.Factory.class)
public class Event {
    public String type;
    public int schemaVersion;
    public String host;
    public String bootId;
    public int cpu;
    public long seq;
    /** Event time, nanoseconds since the Unix epoch. */
    public long ts;
    public int pid;
    public String comm;

    // Lifecycle.
    public int ppid;
    public int exitCode;
    public int signal;
    public boolean coreDumped;
    public long lifetimeNs;
    /** Exec, and an initial memory sample of a process older than the agent: who and what runs. */
    public String uid;
    public String filename;
    public String[] argv;
    /** Process start, ns since the epoch: the fork's ts, or /proc's start time on an initial sample. */
    public long startTs;
    /** A memory sample the agent read from /proc at its start. */
    public boolean initial;

    // Interval records.
    public long intervalNs;

    // Syscall.
    public String syscall;
    public long count;
    public long errors;

    // CPU.
    public long onCpuNs;

    // Memory (event = sample | oom_kill) and net (event = connect | accept | close | stats).
    public String event;
    public long rssBytes;
    public long rssMaxBytes;
    public long pageFaults;

    // Disk.
    public String dev;
    public String device;
    public String op;
    public long ops;
    public long bytes;
    public long latencyNsSum;
    public long[] latencyHistUs;

    // Net.
    public String conn;
    public String saddr;
    public int sport;
    public String daddr;
    public int dport;
    public long bytesSent;
    public long bytesReceived;
    public long retransmits;
    /** UDP (event udp): datagrams beside bytesSent and bytesReceived. */
    public long datagramsSent;
    public long datagramsReceived;
    /** An interface's counters (event interface, device = its name), in Fields.INTERFACE_COUNTERS order. */
    public long[] ifCounters;

    // File (op = create | open | unlink | rename | mkdir | rmdir | chmod | chown | truncate).
    public String path;
    public String newPath;
    /** On read/write byte counts (op read or write, ops, bytes): file, socket, pipe or other. */
    public String fdKind;
    /** 0: the change succeeded. */
    public int errno;
    // Host (/proc/stat and /proc/meminfo as the agent read them).
    public long cpuBusyNs;
    public long memTotalBytes;
    public long memAvailableBytes;
    public long memUsedBytes;

    /**
     * Heartbeat: the agent closed cleanly, this host sends no more. Read by the watermarks at the source;
     * heartbeats end at the parse step, so {@link EventSerializer} does not carry it.
     */
    public boolean closing;

    // Loss.
    public String source;
    public long lost;
    public int sourceCpu;

    public Event() {
    }

    /** Event time in epoch milliseconds, Flink's time unit. */
    public long timestampMillis() {
        return Math.floorDiv(ts, 1_000_000L);
    }

    /** The agent's progress record (type heartbeat): it moves watermarks and is no event. */
    public boolean isHeartbeat() {
        return io.akmon.schema.EventType.HEARTBEAT.wireName().equals(type);
    }

    /** The per-CPU sequence stream this record belongs to. */
    public String streamKey() {
        return host + '/' + bootId + '/' + cpu;
    }

    public RecordId recordId() {
        return new RecordId(host, bootId, cpu, seq);
    }

    /** The process this record is about: {@code host/pid}, the same key the agent gives the Kafka record. */
    public String processKey() {
        return host + '/' + pid;
    }

    @Override
    public String toString() {
        return type + "{" + host + "/" + bootId + "/" + cpu + "#" + seq + " pid=" + pid + " ts=" + ts + "}";
    }
}
