package io.akmon.schema;

/**
 * Field names of the JSON records. Every record carries the common fields; each family adds its own.
 * README.md's event schema table documents the same names.
 */
public final class Fields {
    /** Version of this layout; a consumer rejects records from a newer major version. */
    public static final int SCHEMA_VERSION = 1;

    // Common to every record.
    public static final String SCHEMA = "schema_version";
    public static final String TYPE = "type";
    public static final String HOST = "host";
    public static final String BOOT_ID = "boot_id";
    /** The CPU whose sequence the record belongs to; {@link RecordId#AGENT_STREAM} for records the agent derives. */
    public static final String CPU = "cpu";
    public static final String SEQ = "seq";
    /** Event time, nanoseconds since the Unix epoch. */
    public static final String TS = "ts";
    public static final String PID = "pid";
    public static final String COMM = "comm";

    // Process lifecycle.
    public static final String PPID = "ppid";
    public static final String TID = "tid";
    public static final String UID = "uid";
    public static final String FILENAME = "filename";
    public static final String ARGV = "argv";
    public static final String ARGV_TRUNCATED = "argv_truncated";
    public static final String EXIT_CODE = "exit_code";
    public static final String SIGNAL = "signal";
    public static final String CORE_DUMPED = "core_dumped";
    public static final String LIFETIME_NS = "lifetime_ns";
    /**
     * On an {@code initial} memory sample: when the process started, ns since the Unix epoch, from
     * {@code /proc/<pid>/stat} (with {@link #PPID}, {@link #UID}, {@link #FILENAME} from the exe link
     * and {@link #ARGV} from the cmdline, redacted as on exec records).
     */
    public static final String START_TS = "start_ts";

    // Interval records (syscall, cpu, memory, disk, net stats).
    public static final String INTERVAL_NS = "interval_ns";

    // Syscalls.
    public static final String SYSCALL = "syscall";
    public static final String SYSCALL_NR = "syscall_nr";
    public static final String COUNT = "count";
    public static final String ERRORS = "errors";
    public static final String SAMPLE_RATE = "sample_rate";

    // CPU.
    public static final String ON_CPU_NS = "on_cpu_ns";
    public static final String CPU_PCT = "cpu_pct";

    // Memory.
    public static final String EVENT = "event";
    public static final String RSS_BYTES = "rss_bytes";
    public static final String RSS_MAX_BYTES = "rss_max_bytes";
    public static final String PAGE_FAULTS = "page_faults";
    /**
     * On a memory sample: true when the figures were read from /proc at agent start (a process that
     * existed before the agent), not by the kernel side. Later samples of the process supersede it.
     */
    public static final String INITIAL = "initial";

    // Host (one record per drain, pid 0): the kernel's CPU accounting (/proc/stat) and memory (/proc/meminfo).
    /** CPU time in each /proc/stat category over the interval, ns summed over CPUs. */
    public static final String CPU_USER_NS = "cpu_user_ns";
    public static final String CPU_NICE_NS = "cpu_nice_ns";
    public static final String CPU_SYSTEM_NS = "cpu_system_ns";
    public static final String CPU_IDLE_NS = "cpu_idle_ns";
    public static final String CPU_IOWAIT_NS = "cpu_iowait_ns";
    public static final String CPU_IRQ_NS = "cpu_irq_ns";
    public static final String CPU_SOFTIRQ_NS = "cpu_softirq_ns";
    public static final String CPU_STEAL_NS = "cpu_steal_ns";
    /** user + nice + system + irq + softirq + steal: every task's time, kernel threads and interrupts included. */
    public static final String CPU_BUSY_NS = "cpu_busy_ns";
    /** CPUs online. */
    public static final String CPUS = "cpus";
    public static final String MEM_TOTAL_BYTES = "mem_total_bytes";
    public static final String MEM_AVAILABLE_BYTES = "mem_available_bytes";
    /** MemTotal - MemAvailable. */
    public static final String MEM_USED_BYTES = "mem_used_bytes";

    // Disk.
    public static final String DEVICE = "device";
    public static final String DEV = "dev";
    public static final String OP = "op";
    public static final String OPS = "ops";
    public static final String BYTES = "bytes";
    public static final String LATENCY_NS_SUM = "latency_ns_sum";
    /** Log2 histogram of request latency: bucket i counts latencies in [2^(i-1), 2^i) microseconds. */
    public static final String LATENCY_HIST_US = "latency_hist_us";

    // Network.
    public static final String CONN = "conn";
    public static final String FAMILY = "family";
    public static final String SADDR = "saddr";
    public static final String DADDR = "daddr";
    public static final String SPORT = "sport";
    public static final String DPORT = "dport";
    public static final String BYTES_SENT = "bytes_sent";
    public static final String BYTES_RECEIVED = "bytes_received";
    public static final String RETRANSMITS = "retransmits";
    /** On UDP records (net, event udp): datagrams per direction beside bytes_sent and bytes_received. */
    public static final String DATAGRAMS_SENT = "datagrams_sent";
    public static final String DATAGRAMS_RECEIVED = "datagrams_received";
    /**
     * On interface records (net, event interface, pid 0): the kernel's counters of one network interface
     * (/sys/class/net/DEVICE/statistics) since the previous drain, in {@link #INTERFACE_COUNTERS} order.
     */
    public static final String RX_BYTES = "rx_bytes";
    public static final String TX_BYTES = "tx_bytes";
    public static final String RX_PACKETS = "rx_packets";
    public static final String TX_PACKETS = "tx_packets";
    public static final String RX_DROPPED = "rx_dropped";
    public static final String TX_DROPPED = "tx_dropped";
    public static final String RX_ERRORS = "rx_errors";
    public static final String TX_ERRORS = "tx_errors";
    public static final String[] INTERFACE_COUNTERS = {RX_BYTES, TX_BYTES, RX_PACKETS, TX_PACKETS, RX_DROPPED, TX_DROPPED,
        RX_ERRORS, TX_ERRORS};

    // File system changes (type file): op is one of create, open, unlink, rename, mkdir, rmdir, chmod,
    // chown, truncate; uid and tid as on exec records.
    /** Absolute path, resolved against the cwd or dirfd; as the process gave it when {@link #PATH_RELATIVE}. */
    public static final String PATH = "path";
    /** The new name of a rename. */
    public static final String NEW_PATH = "new_path";
    /** True when the path could not be resolved (its directory was unknown): relative to something unknown. */
    public static final String PATH_RELATIVE = "path_relative";
    public static final String NEW_PATH_RELATIVE = "new_path_relative";
    /** True when the path was longer than the kernel side copies (511 bytes) and is cut. */
    public static final String PATH_TRUNCATED = "path_truncated";
    /** 0 on success, else the error number the syscall returned. */
    public static final String ERRNO = "errno";
    /** "ok" or the error's name, e.g. ENOENT. */
    public static final String RESULT = "result";
    /**
     * On a file record with op read or write (an interval record, like disk's: {@link #OPS}, {@link #BYTES},
     * {@link #INTERVAL_NS}): what the descriptor was, {@code file} (a regular file), {@code socket},
     * {@code pipe} or {@code other}.
     */
    public static final String FD_KIND = "fd_kind";
    /** open flags (open, create), mode bits (chmod, mkdir), new owner uid (chown), in decimal. */
    public static final String MODE = "mode";

    // Agent health (type agent): the kernel's cost of each loaded program, from BPF statistics.
    /** Whether the kernel counted program runs this interval (BPF_ENABLE_STATS held by the agent, or the sysctl). */
    public static final String PROBE_STATS = "probe_stats";
    /** List of objects, one per loaded program: {@link #PROGRAM}, {@link #RUN_CNT}, {@link #RUN_TIME_NS}, {@link #NS_PER_RUN}, {@link #RUNS_PER_S}. */
    public static final String PROGRAMS = "programs";
    public static final String PROGRAM = "program";
    /** Runs since the agent loaded the program (a counter). */
    public static final String RUN_CNT = "run_cnt";
    /** Time spent in the program since the agent loaded it, ns (a counter). */
    public static final String RUN_TIME_NS = "run_time_ns";
    /** Mean ns per run over the health interval. */
    public static final String NS_PER_RUN = "ns_per_run";
    /** Runs per second over the health interval. */
    public static final String RUNS_PER_S = "runs_per_s";

    // Heartbeat (type heartbeat, cpu -1, seq 0, pid 0): the common fields. Its ts is the host's
    // progress: every record of the host with an event time before ts is already in this partition.
    /**
     * On a heartbeat, true: the agent closed cleanly after Kafka acknowledged its last record, so the
     * jobs let go of the host's watermark at once. An agent killed (SIGKILL, a crash) sends none; the
     * jobs forget it after the idle-partition timeout instead.
     */
    public static final String CLOSING = "closing";

    // Loss.
    public static final String LOST = "lost";
    public static final String SOURCE = "source";
    /** On a map-full loss: the CPU whose map update failed (the record itself is on the agent's stream). */
    public static final String SOURCE_CPU = "source_cpu";

    private Fields() {
    }
}
