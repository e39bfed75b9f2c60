package io.akmon.schema.contract;

import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.akmon.schema.contract.JsonType.BOOLEAN;
import static io.akmon.schema.contract.JsonType.INTEGER;
import static io.akmon.schema.contract.JsonType.INTEGER_ARRAY;
import static io.akmon.schema.contract.JsonType.NUMBER;
import static io.akmon.schema.contract.JsonType.OBJECT_ARRAY;
import static io.akmon.schema.contract.JsonType.STRING;
import static io.akmon.schema.contract.JsonType.STRING_ARRAY;
import static io.akmon.schema.contract.Origin.AGENT;
import static io.akmon.schema.contract.Origin.JOB;
import static io.akmon.schema.contract.Origin.KERNEL;
import static io.akmon.schema.contract.Origin.PROC;

/**
 * The one table of every record family's fields: name, JSON type, unit, enum values and origin, health
 * and loss records included. The agent's output, the golden records, the Flink parser, the rule facts,
 * the index mappings, the README and the BPF object's enums are all checked against it by tests; a field
 * added to a family means bpf-src/akmon.h (when the kernel fills it), this table, and the code that fills it.
 * {@link RecordCheck} holds a record to it.
 *
 * <p>A new field: its line in the family below (and in bpf-src/akmon.h and the decoder's Layout when the
 * kernel fills it), then the code that fills it; the tests say what else follows (the golden records,
 * README's row). A new family: its {@link EventType}, a {@code family(...)} entry here, fixture records in
 * probe-agent's GoldenRecordsTest; a family of the common fields alone needs only the entry.
 */
public final class EventContract {
    /** The discriminators of the variants. */
    private static final String[] NET_TCP = {"connect", "accept", "close", "stats"};
    private static final String[] FILE_CHANGES = {"create", "open", "unlink", "rename", "mkdir", "rmdir", "chmod",
        "chown", "truncate"};
    private static final String[] FILE_IO = {"read", "write"};

    private static final List<FieldSpec> COMMON = List.of(
            f(Fields.TYPE, STRING, "", AGENT, "the family").values(wireNames()).build(),
            f(Fields.SCHEMA, INTEGER, "", AGENT, "layout version; consumers reject a newer one").build(),
            f(Fields.HOST, STRING, "", AGENT, "the kernel's host name, or --host").build(),
            f(Fields.BOOT_ID, STRING, "", PROC, "/proc/sys/kernel/random/boot_id").build(),
            f(Fields.CPU, INTEGER, "", KERNEL, "the CPU whose sequence numbered the record; -1 for records the agent derives").build(),
            f(Fields.SEQ, INTEGER, "", KERNEL, "per (host, boot_id, cpu), +1 per record").build(),
            f(Fields.TS, INTEGER, "ns", KERNEL, "event time since the Unix epoch").build(),
            f(Fields.PID, INTEGER, "", KERNEL, "the process (thread group id); 0 for host-wide records").build(),
            f(Fields.COMM, STRING, "", KERNEL, "the process's command name").optional().build());

    private static final Map<EventType, Family> FAMILIES = new EnumMap<>(EventType.class);

    static {
        family(EventType.FORK, null, "tp_btf/sched_process_fork",
                f(Fields.PPID, INTEGER, "", KERNEL, "the parent; pid is the child"));
        family(EventType.EXEC, null, "tp_btf/sched_process_exec",
                f(Fields.PPID, INTEGER, "", KERNEL, "the parent"),
                f(Fields.UID, INTEGER, "", KERNEL, "the real uid").tokenised(),
                f(Fields.FILENAME, STRING, "", KERNEL, "the exec'd file"),
                f(Fields.ARGV, STRING_ARRAY, "", KERNEL, "the arguments, up to --argv-max bytes, redacted by the agent"),
                f(Fields.ARGV_TRUNCATED, BOOLEAN, "", KERNEL, "argv was cut at --argv-max"));
        family(EventType.EXIT, null, "tp_btf/sched_process_exit",
                f(Fields.PPID, INTEGER, "", KERNEL, "the parent"),
                f(Fields.EXIT_CODE, INTEGER, "", KERNEL, "the exit code"),
                f(Fields.SIGNAL, INTEGER, "", KERNEL, "the signal that ended it, 0 if none"),
                f(Fields.CORE_DUMPED, BOOLEAN, "", KERNEL, "it dumped core"),
                f(Fields.LIFETIME_NS, INTEGER, "ns", KERNEL, "from start to exit"));
        family(EventType.SYSCALL, null, "per-CPU hash per (pid, nr) at tp_btf/sys_exit",
                f(Fields.SYSCALL, STRING, "", AGENT, "the name, from the kernel's UAPI header at build time"),
                f(Fields.SYSCALL_NR, INTEGER, "", KERNEL, "the number"),
                f(Fields.COUNT, INTEGER, "count", KERNEL, "calls returned in the interval"),
                f(Fields.ERRORS, INTEGER, "count", KERNEL, "of those, returns in -4095..-1"),
                f(Fields.INTERVAL_NS, INTEGER, "ns", AGENT, "since the previous drain"),
                f(Fields.SAMPLE_RATE, INTEGER, "", AGENT, "1 in N counted, weighted by N"));
        family(EventType.CPU, null, "the task's sum_exec_runtime at tp_btf/sched_switch and each drain",
                f(Fields.ON_CPU_NS, INTEGER, "ns", KERNEL, "CPU time in the interval"),
                f(Fields.INTERVAL_NS, INTEGER, "ns", AGENT, "since the previous drain"),
                f(Fields.CPU_PCT, NUMBER, "percent", AGENT, "100 = one core"));
        family(EventType.MEMORY, Fields.EVENT, "the task's counters at tp_btf/sched_switch, /proc at start, tp_btf/mark_victim",
                f(Fields.EVENT, STRING, "", AGENT, "sample or oom_kill").values("sample", "oom_kill"),
                f(Fields.RSS_BYTES, INTEGER, "bytes", KERNEL, "VmRSS"),
                f(Fields.RSS_MAX_BYTES, INTEGER, "bytes", KERNEL, "VmHWM, the peak").on("sample"),
                f(Fields.PAGE_FAULTS, INTEGER, "count", KERNEL, "minor + major faults since the previous sample").on("sample"),
                f(Fields.INTERVAL_NS, INTEGER, "ns", AGENT, "since the previous drain").on("sample"),
                f(Fields.UID, INTEGER, "", KERNEL, "the killed process's uid").on("oom_kill").tokenised(),
                f(Fields.INITIAL, BOOLEAN, "", PROC, "read from /proc at agent start").on("sample").optional(),
                f(Fields.PPID, INTEGER, "", PROC, "initial samples: the parent").on("sample").optional(),
                f(Fields.UID, INTEGER, "", PROC, "initial samples: the real uid").on("sample").optional().tokenised(),
                f(Fields.START_TS, INTEGER, "ns", PROC, "initial samples: process start since the epoch").on("sample").optional(),
                f(Fields.FILENAME, STRING, "", PROC, "initial samples: the exe link").on("sample").optional(),
                f(Fields.ARGV, STRING_ARRAY, "", PROC, "initial samples: the cmdline, redacted as on exec").on("sample").optional(),
                f(Fields.ARGV_TRUNCATED, BOOLEAN, "", PROC, "initial samples: argv was cut").on("sample").optional());
        family(EventType.DISK, null, "tp_btf/block_io_start, block_rq_issue, block_rq_complete",
                f(Fields.DEV, STRING, "", KERNEL, "major:minor"),
                f(Fields.DEVICE, STRING, "", PROC, "the device's name"),
                f(Fields.OP, STRING, "", KERNEL, "read or write").values("read", "write").cEnum("akmon_disk_op"),
                f(Fields.OPS, INTEGER, "count", KERNEL, "requests completed"),
                f(Fields.BYTES, INTEGER, "bytes", KERNEL, "their sizes"),
                f(Fields.LATENCY_NS_SUM, INTEGER, "ns", KERNEL, "their latencies"),
                f(Fields.LATENCY_HIST_US, INTEGER_ARRAY, "count", KERNEL, "32 log2 buckets: i counts [2^(i-1), 2^i) us"),
                f(Fields.INTERVAL_NS, INTEGER, "ns", AGENT, "since the previous drain"),
                f("iops", NUMBER, "1/s", JOB, "ops per second, on disk facts"));
        family(EventType.NET, Fields.EVENT, "inet_sock_set_state, sock_send_length/sock_recv_length, sys_exit (UDP), /sys/class/net",
                f(Fields.EVENT, STRING, "", KERNEL, "what happened")
                        .values("connect", "accept", "close", "stats", "udp", "interface").cEnum("akmon_net_event"),
                f(Fields.CONN, STRING, "", KERNEL, "connection id (hex); UDP: u + 16 hex digits per endpoint pair").on(NET_TCP).on("udp"),
                f(Fields.FAMILY, INTEGER, "", KERNEL, "4 or 6").values("4", "6").on(NET_TCP).on("udp"),
                f(Fields.SADDR, STRING, "", KERNEL, "local address").on(NET_TCP).on("udp").tokenised(),
                f(Fields.SPORT, INTEGER, "", KERNEL, "local port").on(NET_TCP).on("udp"),
                f(Fields.DADDR, STRING, "", KERNEL, "remote address").on(NET_TCP).on("udp").tokenised(),
                f(Fields.DPORT, INTEGER, "", KERNEL, "remote port").on(NET_TCP).on("udp"),
                f(Fields.BYTES_SENT, INTEGER, "bytes", KERNEL, "since the previous record of the connection").on("close", "stats", "udp"),
                f(Fields.BYTES_RECEIVED, INTEGER, "bytes", KERNEL, "since the previous record of the connection").on("close", "stats", "udp"),
                f(Fields.RETRANSMITS, INTEGER, "count", KERNEL, "since the previous record of the connection").on("close", "stats"),
                f(Fields.DATAGRAMS_SENT, INTEGER, "count", KERNEL, "UDP datagrams sent").on("udp"),
                f(Fields.DATAGRAMS_RECEIVED, INTEGER, "count", KERNEL, "UDP datagrams received").on("udp"),
                f(Fields.DEVICE, STRING, "", PROC, "the network interface").on("interface"),
                f(Fields.RX_BYTES, INTEGER, "bytes", PROC, "/sys/class/net/DEVICE/statistics").on("interface"),
                f(Fields.TX_BYTES, INTEGER, "bytes", PROC, "/sys/class/net/DEVICE/statistics").on("interface"),
                f(Fields.RX_PACKETS, INTEGER, "count", PROC, "/sys/class/net/DEVICE/statistics").on("interface"),
                f(Fields.TX_PACKETS, INTEGER, "count", PROC, "/sys/class/net/DEVICE/statistics").on("interface"),
                f(Fields.RX_DROPPED, INTEGER, "count", PROC, "/sys/class/net/DEVICE/statistics").on("interface"),
                f(Fields.TX_DROPPED, INTEGER, "count", PROC, "/sys/class/net/DEVICE/statistics").on("interface"),
                f(Fields.RX_ERRORS, INTEGER, "count", PROC, "/sys/class/net/DEVICE/statistics").on("interface"),
                f(Fields.TX_ERRORS, INTEGER, "count", PROC, "/sys/class/net/DEVICE/statistics").on("interface"),
                f(Fields.INTERVAL_NS, INTEGER, "ns", AGENT, "since the previous drain").on("stats", "udp", "interface"));
        family(EventType.LOST, null, "the drops map, the agent's decoder and its sink",
                f(Fields.SOURCE, STRING, "", KERNEL, "why: a kernel drop reason, decode, or the sink's")
                        .values("output", "syscall_map", "cpu_map", "mem_map", "disk_map", "conn_map", "filter_map",
                                "file_io_map", "udp_map", "decode", "spool_full", "spool_io", "shed", "kafka_rejected",
                                "spool_corrupt")
                        .cEnum("akmon_drop_reason"),
                f(Fields.LOST, INTEGER, "count", KERNEL, "records or counts lost"),
                f(Fields.SOURCE_CPU, INTEGER, "", KERNEL, "map full: the CPU whose update failed").optional(),
                f("record_type", STRING, "", AGENT, "the sink's losses: the family of the records dropped")
                        .values(withUnknown(wireNames())).optional());
        family(EventType.AGENT, null, "the agent's health, per report interval",
                f(Fields.INTERVAL_NS, INTEGER, "ns", AGENT, "since the previous health record"),
                f("started_ns", INTEGER, "ns", AGENT, "when the sink started, since the epoch"),
                f("records_accepted", INTEGER, "count", AGENT, "records taken into the spool"),
                f("records_produced", INTEGER, "count", AGENT, "records Kafka acknowledged"),
                f("bytes_produced", INTEGER, "bytes", AGENT, "their bytes"),
                f("records_rejected", INTEGER, "count", AGENT, "records Kafka refused"),
                f("kernel_lost", INTEGER, "count", AGENT, "sum of lost over the loss records handed over"),
                f("spool_records", INTEGER, "count", AGENT, "records in the spool"),
                f("spool_bytes", INTEGER, "bytes", AGENT, "bytes in the spool"),
                f("spool_max_bytes", INTEGER, "bytes", AGENT, "the spool's bound"),
                f("spool_full_dropped", INTEGER, "count", AGENT, "dropped: spool full"),
                f("spool_io_dropped", INTEGER, "count", AGENT, "dropped: spool write failed"),
                f("shed_dropped", INTEGER, "count", AGENT, "dropped by load shedding"),
                f("producer_errors", INTEGER, "count", AGENT, "Kafka send errors"),
                f("kafka_connected", BOOLEAN, "", AGENT, "the producer reaches the brokers"),
                f(Fields.PROBE_STATS, BOOLEAN, "", KERNEL, "the kernel counts program runs").optional(),
                f(Fields.PROGRAMS, OBJECT_ARRAY, "", KERNEL, "per loaded program, from BPF statistics").optional().items(
                        f(Fields.PROGRAM, STRING, "", KERNEL, "the program").build(),
                        f(Fields.RUN_CNT, INTEGER, "count", KERNEL, "runs since load").build(),
                        f(Fields.RUN_TIME_NS, INTEGER, "ns", KERNEL, "time in the program since load").build(),
                        f(Fields.NS_PER_RUN, NUMBER, "ns", AGENT, "mean over the interval").build(),
                        f(Fields.RUNS_PER_S, NUMBER, "1/s", AGENT, "over the interval").build()));
        family(EventType.AUDIT, Fields.EVENT, "the agent, once at start",
                f(Fields.EVENT, STRING, "", AGENT, "agent_start").values("agent_start"),
                f("version", STRING, "", AGENT, "the agent's version"),
                f(Fields.UID, INTEGER, "", AGENT, "the effective uid it runs as"),
                f("user", STRING, "", AGENT, "the user it runs as"),
                f("config_file", STRING, "", AGENT, "the settings file, or empty"),
                f("config_sha256", STRING, "", AGENT, "its digest, or empty"),
                f("sink", STRING, "", AGENT, "where records go"),
                f("transport", STRING, "", AGENT, "ring or perf buffer"),
                f("families", STRING_ARRAY, "", AGENT, "families enabled"),
                f("probes", STRING_ARRAY, "", AGENT, "programs attached"),
                f("interval_ms", INTEGER, "ms", AGENT, "drain interval"),
                f("syscall_sample_rate", INTEGER, "", AGENT, "1 in N syscalls counted"),
                f("argv_max", INTEGER, "bytes", AGENT, "argv bytes copied"),
                f("filter_pids", STRING_ARRAY, "", AGENT, "pid filter"),
                f("filter_comms", STRING_ARRAY, "", AGENT, "comm filter"),
                f("filter_cgroups", STRING_ARRAY, "", AGENT, "cgroup filter"),
                f("pin_dir", STRING, "", AGENT, "where maps are pinned, or empty"),
                f("redaction", BOOLEAN, "", AGENT, "argv redaction on"),
                f("redaction_patterns", STRING_ARRAY, "", AGENT, "the patterns"),
                f("anonymisation", BOOLEAN, "", AGENT, "uids and addresses anonymised"),
                f("seccomp", BOOLEAN, "", AGENT, "the syscall filter is on"),
                f("seccomp_allowed_syscalls", INTEGER, "count", AGENT, "syscalls it allows"),
                f("capabilities_at_start", STRING, "", AGENT, "capabilities before dropping"),
                f("capabilities_running", STRING, "", AGENT, "capabilities kept"),
                f("kafka_bootstrap", STRING, "", AGENT, "with Kafka: the brokers").optional(),
                f("kafka_topic_prefix", STRING, "", AGENT, "with Kafka: the topic prefix").optional(),
                f("spool_dir", STRING, "", AGENT, "with Kafka: the spool").optional(),
                f("kafka_properties", STRING_ARRAY, "", AGENT, "with Kafka: names of extra properties, never values").optional());
        family(EventType.HOST, null, "/proc/stat and /proc/meminfo, per drain",
                f(Fields.CPU_BUSY_NS, INTEGER, "ns", PROC, "user + nice + system + irq + softirq + steal"),
                f(Fields.CPU_PCT, NUMBER, "percent", AGENT, "100 = one core"),
                f(Fields.CPU_USER_NS, INTEGER, "ns", PROC, "/proc/stat user"),
                f(Fields.CPU_NICE_NS, INTEGER, "ns", PROC, "/proc/stat nice"),
                f(Fields.CPU_SYSTEM_NS, INTEGER, "ns", PROC, "/proc/stat system"),
                f(Fields.CPU_IRQ_NS, INTEGER, "ns", PROC, "/proc/stat irq"),
                f(Fields.CPU_SOFTIRQ_NS, INTEGER, "ns", PROC, "/proc/stat softirq"),
                f(Fields.CPU_STEAL_NS, INTEGER, "ns", PROC, "/proc/stat steal"),
                f(Fields.CPU_IDLE_NS, INTEGER, "ns", PROC, "/proc/stat idle"),
                f(Fields.CPU_IOWAIT_NS, INTEGER, "ns", PROC, "/proc/stat iowait"),
                f(Fields.CPUS, INTEGER, "count", PROC, "CPUs online"),
                f(Fields.MEM_TOTAL_BYTES, INTEGER, "bytes", PROC, "MemTotal"),
                f(Fields.MEM_AVAILABLE_BYTES, INTEGER, "bytes", PROC, "MemAvailable"),
                f(Fields.MEM_USED_BYTES, INTEGER, "bytes", PROC, "total - available"),
                f(Fields.INTERVAL_NS, INTEGER, "ns", AGENT, "since the previous drain"));
        family(EventType.FILE, Fields.OP, "tp_btf/sys_exit (family file): the syscalls' arguments; per-CPU hash of read/write bytes",
                f(Fields.OP, STRING, "", KERNEL, "the change, or read/write bytes per interval")
                        .values(concat(FILE_CHANGES, FILE_IO)).cEnum("akmon_file_op"),
                f(Fields.TID, INTEGER, "", KERNEL, "the thread").on(FILE_CHANGES),
                f(Fields.UID, INTEGER, "", KERNEL, "the real uid").on(FILE_CHANGES).tokenised(),
                f(Fields.PATH, STRING, "", KERNEL, "absolute path, or as given when path_relative").on(FILE_CHANGES),
                f(Fields.PATH_RELATIVE, BOOLEAN, "", KERNEL, "the path could not be resolved").on(FILE_CHANGES),
                f(Fields.PATH_TRUNCATED, BOOLEAN, "", KERNEL, "a path was cut at 511 bytes (only when true)").on(FILE_CHANGES).optional(),
                f(Fields.NEW_PATH, STRING, "", KERNEL, "the new name").on("rename"),
                f(Fields.NEW_PATH_RELATIVE, BOOLEAN, "", KERNEL, "the new name could not be resolved").on("rename"),
                f(Fields.ERRNO, INTEGER, "", KERNEL, "0 on success, else the error number").on(FILE_CHANGES),
                f(Fields.RESULT, STRING, "", AGENT, "ok or the error's name").on(FILE_CHANGES),
                f(Fields.SYSCALL, STRING, "", AGENT, "the syscall's name").on(FILE_CHANGES),
                f(Fields.MODE, INTEGER, "", KERNEL, "open flags, mode bits or new uid").on(FILE_CHANGES),
                f(Fields.FD_KIND, STRING, "", KERNEL, "what the descriptor was")
                        .values("file", "socket", "pipe", "other").cEnum("akmon_fd_kind").on(FILE_IO),
                f(Fields.OPS, INTEGER, "count", KERNEL, "calls that moved bytes").on(FILE_IO),
                f(Fields.BYTES, INTEGER, "bytes", KERNEL, "their return values").on(FILE_IO),
                f(Fields.INTERVAL_NS, INTEGER, "ns", AGENT, "since the previous drain").on(FILE_IO));
        // the host's progress (ts), to every partition of every event topic
        family(EventType.HEARTBEAT, null, "the agent's Kafka sink, every --heartbeat-interval and once at a clean close; never spooled",
                f(Fields.CLOSING, BOOLEAN, "", AGENT, "true on the last one, sent once every record is acknowledged at a clean close: "
                        + "the jobs release the host's watermark at once (a killed agent sends none; the idle-partition timeout covers it)")
                        .optional());
    }

    private EventContract() {
    }

    /** The fields every record carries, in the order the agent writes them. */
    public static List<FieldSpec> common() {
        return COMMON;
    }

    /** The family of a type; null for a type that has no entry (a test names it). */
    public static Family family(EventType type) {
        return FAMILIES.get(type);
    }

    /** Every family in the table, in {@link EventType} order. */
    public static Map<EventType, Family> families() {
        return Collections.unmodifiableMap(FAMILIES);
    }

    /** The common field of this name, or null. */
    public static FieldSpec commonField(String name) {
        for (FieldSpec f : COMMON) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** Every field name of every family and the common fields. */
    public static Set<String> allNames() {
        Set<String> names = new LinkedHashSet<>();
        COMMON.forEach(f -> names.add(f.name()));
        for (Family fam : FAMILIES.values()) {
            for (FieldSpec f : fam.fields()) {
                names.add(f.name());
                f.items().forEach(i -> names.add(i.name()));
            }
        }
        return names;
    }

    // ------------------------------------------------------------------ building the table

    private static void family(EventType type, String variantField, String source, Builder... fields) {
        List<FieldSpec> specs = new ArrayList<>();
        for (Builder b : fields) {
            specs.add(b.build());
        }
        FAMILIES.put(type, new Family(type, variantField, List.copyOf(specs), source));
    }

    private static String[] wireNames() {
        return Arrays.stream(EventType.values()).map(EventType::wireName).toArray(String[]::new);
    }

    private static String[] withUnknown(String[] names) {
        String[] out = Arrays.copyOf(names, names.length + 1);
        out[names.length] = "unknown";
        return out;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Builder f(String name, JsonType type, String unit, Origin origin, String meaning) {
        return new Builder(name, type, unit, origin, meaning);
    }

    private static final class Builder {
        private final String name;
        private final JsonType type;
        private final String unit;
        private final Origin origin;
        private final String meaning;
        private List<String> values = List.of();
        private String cEnum;
        private final Set<String> variants = new LinkedHashSet<>();
        private boolean optional;
        private boolean tokenised;
        private List<FieldSpec> items = List.of();

        Builder(String name, JsonType type, String unit, Origin origin, String meaning) {
            this.name = name;
            this.type = type;
            this.unit = unit;
            this.origin = origin;
            this.meaning = meaning;
        }

        Builder values(String... v) {
            values = List.of(v);
            return this;
        }

        Builder cEnum(String name) {
            cEnum = name;
            return this;
        }

        Builder on(String... v) {
            variants.addAll(List.of(v));
            return this;
        }

        Builder optional() {
            optional = true;
            return this;
        }

        Builder tokenised() {
            tokenised = true;
            return this;
        }

        Builder items(FieldSpec... i) {
            items = List.of(i);
            return this;
        }

        FieldSpec build() {
            return new FieldSpec(name, type, unit, values, cEnum, origin, Set.copyOf(variants), optional, tokenised,
                    items, meaning);
        }
    }
}
