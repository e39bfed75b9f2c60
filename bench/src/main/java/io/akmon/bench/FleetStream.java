package io.akmon.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.akmon.agent.event.Event;
import io.akmon.agent.publish.KafkaSink;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import io.akmon.schema.FrameBuilder;
import io.akmon.schema.RecordId;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a fleet of agents sends, second by second, in the agent's wire format (the agent's own
 * {@link Event#writeJson} serializer): per host, {@code processes} live processes that each send a cpu
 * record and two syscall records every second (the drainer's per-interval records, on the agent's own
 * stream: cpu = -1, one sequence per host); one process in a hundred (at least one per host) exits and
 * is replaced every second (close, exit, fork, exec, connect: ring-buffer records on two CPUs, each CPU
 * with its own sequence); a tenth of the processes send a disk record and another tenth a connection's
 * stats each second. Records come in event-time order, keyed {@code host/pid} as the agent keys them.
 *
 * <p>Each host's records reach Kafka as that host's agent sends them by default: each record to the
 * partition its key picks, and the records of one publishing round (at most
 * {@link FrameBuilder#ROUND_RECORDS}, a round ending where the spool would run empty: after each
 * process's churn and after the drainer's burst of the second) that share a topic and partition in one
 * Kafka record, a frame of at most {@code frameBytes} ({@link FrameBuilder}, the agent's own code).
 * With {@code frameBytes} 0 every record is a Kafka record of its own (the agent's
 * {@code --kafka-frame-bytes 0}).
 */
final class FleetStream {
    /** The families this stream sends, in topic order. */
    static final List<String> TYPES = List.of("fork", "exec", "exit", "cpu", "syscall", "disk", "net");
    private static final String[] SYSCALLS = {"read", "write", "futex", "epoll_wait"};
    private static final int[] SYSCALL_NRS = {0, 1, 202, 232};

    /**
     * Where each Kafka record goes: its family's wire name, its partition (that its key picks), its key
     * (a frame's: its first record's), its value (one record's JSON, or a frame of them) and how many
     * agent records it holds.
     */
    interface Out {
        void accept(String type, int partition, byte[] key, byte[] value, int records);
    }

    record Density(int hosts, int processes) {
        String label() {
            return hosts + " hosts x " + processes + " processes";
        }

        String id() {
            return hosts + "x" + processes;
        }

        int liveProcesses() {
            return hosts * processes;
        }

        int churnPerHostSecond() {
            return Math.max(1, processes / 100);
        }

        /** Records per second of event time over the whole fleet. */
        long recordsPerSecond() {
            long perHost = 3L * processes + 5L * churnPerHostSecond() + 2L * ((processes + 9) / 10);
            return perHost * hosts;
        }
    }

    private final Density density;
    private final long startNs;
    private final int partitions;
    private final int frameBytes;
    private final Host[] hosts;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);
    private final JsonGenerator json;
    private long second;
    private long written;

    /** A stream framed as the agent frames by default, over topics of {@code partitions} partitions. */
    FleetStream(Density density, long startNs, int partitions) {
        this(density, startNs, partitions, FrameBuilder.DEFAULT_FRAME_BYTES);
    }

    /** @param frameBytes the agent's {@code --kafka-frame-bytes}: at most this many bytes a frame; 0 for none */
    FleetStream(Density density, long startNs, int partitions, int frameBytes) {
        if (partitions < 1 || frameBytes < 0) {
            throw new IllegalArgumentException("partitions must be at least 1 and frame bytes at least 0, got "
                    + partitions + " and " + frameBytes);
        }
        this.density = density;
        this.startNs = startNs;
        this.partitions = partitions;
        this.frameBytes = frameBytes;
        this.hosts = new Host[density.hosts()];
        for (int h = 0; h < hosts.length; h++) {
            hosts[h] = new Host(h, density.processes());
        }
        try {
            json = new JsonFactory().createGenerator(buf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        json.setRootValueSeparator(null);
    }

    long written() {
        return written;
    }

    /** Seconds of event time generated so far. */
    long seconds() {
        return second;
    }

    /** Writes whole seconds of the fleet's records until at least {@code records} have been written. */
    void writeAtLeast(long records, Out out) {
        while (written < records) {
            writeSecond(out);
        }
    }

    /** One second of every host's records. */
    void writeSecond(Out out) {
        long t0 = startNs + second * 1_000_000_000L;
        for (Host h : hosts) {
            h.second(t0, out);
        }
        second++;
    }

    private final class Host {
        final String name;
        final String boot;
        final int[] pids;
        final long[] startedNs;
        final long[] ringSeq = new long[2];
        long agentSeq;
        int nextPid = 1000;
        long tick; // records within the current second, so timestamps rise
        /** The agent's frames of the current publishing round; entries carry nothing, only their count matters. */
        final FrameBuilder<Object> frames = new FrameBuilder<>();
        int roundRecords;

        Host(int no, int processes) {
            name = "fleet-" + no;
            boot = "b00t-" + Integer.toHexString(0x10000 + no) + "-0000-4000-8000-000000000000";
            pids = new int[processes];
            startedNs = new long[processes];
            for (int i = 0; i < processes; i++) {
                pids[i] = nextPid++;
                startedNs[i] = startNs - 3_600_000_000_000L;
            }
        }

        void second(long t0, Out out) {
            tick = 0;
            int churn = density.churnPerHostSecond();
            for (int k = 0; k < churn; k++) {
                replace((int) ((second * churn + k) % pids.length), t0 + (k + 1) * (800_000_000L / (churn + 1)), out);
                endRound(out);
            }
            // the drainer's records of the interval, stamped when drained, late in the second
            long drained = t0 + 900_000_000L;
            for (int i = 0; i < pids.length; i++) {
                int pid = pids[i];
                String comm = comm(pid);
                long onCpu = 1_000_000L + (pid * 7_919L + second * 104_729L) % 400_000_000L;
                emit(out, agent(EventType.CPU, drained, pid, comm)
                        .put(Fields.ON_CPU_NS, onCpu)
                        .put(Fields.INTERVAL_NS, 1_000_000_000L)
                        .put(Fields.CPU_PCT, Math.round(onCpu * 10000.0 / 1_000_000_000L) / 100.0));
                for (int s = 0; s < 2; s++) {
                    int which = (pid + s + (int) (second % 2)) % SYSCALLS.length;
                    long count = 10 + (pid + second * 31 + s) % 500;
                    emit(out, agent(EventType.SYSCALL, drained, pid, comm)
                            .put(Fields.SYSCALL, SYSCALLS[which])
                            .put(Fields.SYSCALL_NR, SYSCALL_NRS[which])
                            .put(Fields.COUNT, count)
                            .put(Fields.ERRORS, count % 7 == 0 ? 1L : 0L)
                            .put(Fields.INTERVAL_NS, 1_000_000_000L)
                            .put(Fields.SAMPLE_RATE, 1));
                }
                if ((i + second) % 10 == 0) {
                    long ops = 1 + (pid + second) % 40;
                    long[] hist = new long[32];
                    hist[(int) (6 + pid % 8)] = ops;
                    emit(out, agent(EventType.DISK, drained, pid, comm)
                            .put(Fields.DEV, "253:0")
                            .put(Fields.DEVICE, "vda")
                            .put(Fields.OP, pid % 3 == 0 ? "read" : "write")
                            .put(Fields.OPS, ops)
                            .put(Fields.BYTES, ops * 4096)
                            .put(Fields.LATENCY_NS_SUM, ops * 180_000)
                            .put(Fields.LATENCY_HIST_US, hist)
                            .put(Fields.INTERVAL_NS, 1_000_000_000L));
                }
                if ((i + second + 5) % 10 == 0) {
                    emit(out, connection(agent(EventType.NET, drained, pid, comm), "stats", pid)
                            .put(Fields.BYTES_SENT, 1_000 + (pid * 13L + second) % 90_000)
                            .put(Fields.BYTES_RECEIVED, 2_000 + (pid * 17L + second) % 90_000)
                            .put(Fields.RETRANSMITS, (pid + second) % 50 == 0 ? 1L : 0L)
                            .put(Fields.INTERVAL_NS, 1_000_000_000L));
                }
            }
            endRound(out);
        }

        /** The process in slot {@code i} closes its connection and exits; a new one forks, execs and connects. */
        private void replace(int i, long at, Out out) {
            int old = pids[i];
            String comm = comm(old);
            emit(out, connection(ring(EventType.NET, at, old, comm), "close", old)
                    .put(Fields.BYTES_SENT, 40_000L).put(Fields.BYTES_RECEIVED, 80_000L).put(Fields.RETRANSMITS, 0L));
            emit(out, ring(EventType.EXIT, at + 1_000, old, comm)
                    .put(Fields.PPID, 1)
                    .put(Fields.EXIT_CODE, old % 5 == 0 ? 1 : 0)
                    .put(Fields.SIGNAL, 0)
                    .put(Fields.CORE_DUMPED, false)
                    .put(Fields.LIFETIME_NS, at - startedNs[i]));
            int pid = nextPid++;
            pids[i] = pid;
            startedNs[i] = at + 2_000;
            String newComm = comm(pid);
            emit(out, ring(EventType.FORK, at + 2_000, pid, "supervisor").put(Fields.PPID, 1));
            emit(out, ring(EventType.EXEC, at + 3_000, pid, newComm)
                    .put(Fields.PPID, 1)
                    .put(Fields.UID, 1000)
                    .put(Fields.FILENAME, "/usr/bin/" + newComm)
                    .put(Fields.ARGV, List.of(newComm, "--serve", "--port=" + (8000 + pid % 1000)))
                    .put(Fields.ARGV_TRUNCATED, false));
            emit(out, connection(ring(EventType.NET, at + 4_000, pid, newComm), "connect", pid));
        }

        private Event connection(Event e, String event, int pid) {
            return e.put(Fields.EVENT, event)
                    .put(Fields.CONN, Long.toHexString(0x7f0000000000L + (long) pid * 64))
                    .put(Fields.FAMILY, 2)
                    .put(Fields.SADDR, "10.0.0." + (1 + pid % 200))
                    .put(Fields.SPORT, 30000 + pid % 30000)
                    .put(Fields.DADDR, "10.0.1.10")
                    .put(Fields.DPORT, 5432);
        }

        private Event ring(EventType type, long ts, int pid, String comm) {
            int cpu = pid & 1;
            return new Event(type, name, boot, cpu, ++ringSeq[cpu], ts + tick++, pid, comm);
        }

        private Event agent(EventType type, long ts, int pid, String comm) {
            return new Event(type, name, boot, RecordId.AGENT_STREAM, ++agentSeq, ts + tick++, pid, comm);
        }

        private void emit(Out out, Event e) {
            buf.reset();
            try {
                e.writeJson(json);
                json.flush();
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
            String type = e.type().wireName();
            byte[] key = (name + "/" + e.pid()).getBytes(StandardCharsets.UTF_8);
            byte[] value = buf.toByteArray();
            int partition = KafkaSink.partitionOf(key, partitions);
            written++;
            if (frameBytes == 0) {
                out.accept(type, partition, key, value, 1);
                return;
            }
            frames.add(type, partition, partitions, key, value, null, frameBytes);
            if (++roundRecords == FrameBuilder.ROUND_RECORDS) {
                endRound(out);
            }
        }

        /** The publisher's round ends: its frames go out, full ones first. */
        private void endRound(Out out) {
            for (FrameBuilder.Frame<Object> f : frames.takeAll()) {
                out.accept(f.topic, f.partition, f.key, f.value(), f.entries.size());
            }
            roundRecords = 0;
        }
    }

    private static String comm(int pid) {
        return "svc-" + (pid % 40);
    }
}
