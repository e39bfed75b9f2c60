package io.akmon.agent.decode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Byte layout of bpf-src/akmon.h, mirrored for the decoder. LayoutBtfTest checks every struct size
 * and field offset here against the BTF of the compiled object, so the two cannot drift apart.
 * All values are little-endian (x86_64).
 */
public final class Layout {
    public static final int COMM_LEN = 16;
    public static final int FILENAME_LEN = 256;
    public static final int ARGV_LEN = 1024;
    public static final int ADDR_LEN = 16;
    public static final int LAT_BUCKETS = 32;
    public static final int PATH_LEN = 512;
    public static final int PATH_KEY_LEN = 256;

    // enum akmon_record_type
    public static final int REC_FORK = 1;
    public static final int REC_EXEC = 2;
    public static final int REC_EXIT = 3;
    public static final int REC_OOM = 4;
    public static final int REC_NET = 5;
    public static final int REC_FILE = 6;

    // enum akmon_drop_reason, in order
    public static final String[] DROP_REASONS = {
        "output", "syscall_map", "cpu_map", "mem_map", "disk_map", "conn_map", "filter_map", "file_io_map",
        "udp_map",
    };

    // enum akmon_net_event
    public static final int NET_CONNECT = 1;
    public static final int NET_ACCEPT = 2;
    public static final int NET_CLOSE = 3;

    /** enum akmon_file_op: the wire name of op i is FILE_OPS[i] (0 is not an op). */
    public static final String[] FILE_OPS = {
        null, "create", "open", "unlink", "rename", "mkdir", "rmdir", "chmod", "chown", "truncate",
    };

    // enum akmon_file_flag
    public static final int FILE_PATH_RELATIVE = 1;
    public static final int FILE_PATH_TRUNCATED = 2;
    public static final int FILE_PATH2_RELATIVE = 4;
    public static final int FILE_PATH2_TRUNCATED = 8;

    // enum akmon_path_filter
    public static final int PATH_INCLUDE = 1;
    public static final int PATH_EXCLUDE = 2;

    /** One struct: its size and the offset and size of each field, as BTF states them. */
    public record Struct(String name, int size, Map<String, Field> fields) {
    }

    public record Field(int offset, int size) {
    }

    private static final Map<String, Struct> STRUCTS = new LinkedHashMap<>();

    private static Map<String, Field> fields(Object... nameOffsetSize) {
        Map<String, Field> m = new LinkedHashMap<>();
        for (int i = 0; i < nameOffsetSize.length; i += 3) {
            m.put((String) nameOffsetSize[i], new Field((Integer) nameOffsetSize[i + 1], (Integer) nameOffsetSize[i + 2]));
        }
        return m;
    }

    private static void define(String name, int size, Object... nameOffsetSize) {
        STRUCTS.put(name, new Struct(name, size, fields(nameOffsetSize)));
    }

    /** struct akmon_config, patched into .rodata at offset 0. */
    public static final class Config {
        public static final int FILTER_PIDS = 0;
        public static final int FILTER_COMMS = 4;
        public static final int FILTER_CGROUPS = 8;
        public static final int SYSCALL_SAMPLE_RATE = 12;
        public static final int USE_PERF = 16;
        public static final int ARGV_MAX = 20;
        public static final int WAKEUP_BYTES = 24;
        public static final int SIZE = 28;
    }

    /** struct akmon_hdr, at the start of every record. */
    public static final class Hdr {
        public static final int TYPE = 0;
        public static final int SIZE_FIELD = 2;
        public static final int CPU = 4;
        public static final int TS = 8;
        public static final int SEQ = 16;
        public static final int SIZE = 24;
    }

    public static final class Fork {
        public static final int PID = 24;
        public static final int PPID = 28;
        public static final int COMM = 32;
        public static final int SIZE = 48;
    }

    public static final class Exec {
        public static final int PID = 24;
        public static final int PPID = 28;
        public static final int UID = 32;
        public static final int OLD_PID = 36;
        public static final int FILENAME_LEN_FIELD = 40;
        public static final int ARGV_LEN_FIELD = 42;
        public static final int ARGV_TRUNCATED = 44;
        public static final int COMM = 48;
        public static final int FILENAME = 64;
        public static final int ARGV = 320;
        public static final int SIZE = 1344;
    }

    public static final class Exit {
        public static final int PID = 24;
        public static final int PPID = 28;
        public static final int EXIT_CODE = 32;
        public static final int LIFETIME_NS = 40;
        public static final int COMM = 48;
        public static final int SIZE = 64;
    }

    public static final class Oom {
        public static final int PID = 24;
        public static final int UID = 28;
        public static final int RSS_BYTES = 32;
        public static final int COMM = 40;
        public static final int SIZE = 56;
    }

    public static final class Net {
        public static final int CONN = 24;
        public static final int PID = 32;
        public static final int EVENT = 36;
        public static final int FAMILY = 37;
        public static final int SPORT = 38;
        public static final int DPORT = 40;
        public static final int RETRANSMITS = 44;
        public static final int SADDR = 48;
        public static final int DADDR = 64;
        public static final int BYTES_SENT = 80;
        public static final int BYTES_RECEIVED = 88;
        public static final int COMM = 96;
        public static final int SIZE = 112;
    }

    public static final class File {
        public static final int PID = 24;
        public static final int TID = 28;
        public static final int UID = 32;
        public static final int RET = 36;
        public static final int OP = 40;
        public static final int FLAGS = 42;
        public static final int NR = 44;
        public static final int PATH_LEN_FIELD = 46;
        public static final int PATH2_LEN_FIELD = 48;
        public static final int MODE = 52;
        public static final int COMM = 56;
        public static final int PATH_KEY = 72;
        public static final int PATH = 76;
        public static final int PATH2_KEY = PATH + PATH_LEN;
        public static final int PATH2 = PATH2_KEY + 4;
        public static final int SIZE = PATH2 + PATH_LEN;
    }

    /** struct akmon_path_filter_key: a key of the path_filters LPM trie. */
    public static final class PathFilterKey {
        public static final int PREFIXLEN = 0;
        public static final int DATA = 4;
        public static final int SIZE = DATA + PATH_KEY_LEN;
    }

    public static final class SyscallKey {
        public static final int PID = 0;
        public static final int NR = 4;
        public static final int SIZE = 8;
    }

    public static final class SyscallVal {
        public static final int COUNT = 0;
        public static final int ERRORS = 8;
        public static final int EPOCH = 16;
        public static final int SIZE = 24;
    }

    /** struct akmon_changed_key, with enum akmon_changed_kind. */
    public static final class ChangedKey {
        public static final int KIND = 0;
        public static final int PID = 4;
        public static final int A = 8;
        public static final int B = 12;
        public static final int SIZE = 16;
        public static final int SYSCALL = 1;
        public static final int PROC = 2;
        public static final int DISK = 3;
        public static final int FILE_IO = 4;
    }

    /** enum akmon_fd_kind: the wire name of kind i is FD_KINDS[i]. */
    public static final String[] FD_KINDS = {"file", "socket", "pipe", "other"};

    public static final class FileIoKey {
        public static final int PID = 0;
        public static final int KIND = 4;
        public static final int OP = 8;
        public static final int SIZE = 16;
    }

    public static final class FileIoVal {
        public static final int OPS = 0;
        public static final int BYTES = 8;
        public static final int EPOCH = 16;
        public static final int SIZE = 24;
    }

    /** struct akmon_udp_key: a process and a (local, remote) UDP endpoint pair. */
    public static final class UdpKey {
        public static final int PID = 0;
        public static final int LPORT = 4;
        public static final int RPORT = 6;
        public static final int FAMILY = 8;
        public static final int LADDR = 12;
        public static final int RADDR = 28;
        public static final int SIZE = 44;
    }

    /** struct akmon_udp_val: one per-CPU slot of udp_flows. */
    public static final class UdpVal {
        public static final int DATAGRAMS_SENT = 0;
        public static final int BYTES_SENT = 8;
        public static final int DATAGRAMS_RECEIVED = 16;
        public static final int BYTES_RECEIVED = 24;
        public static final int SIZE = 32;
    }

    /** struct akmon_proc_val: one per-CPU slot of proc_stats. */
    public static final class ProcVal {
        public static final int ON_CPU_NS = 0;
        public static final int MIN_FLT = 8;
        public static final int MAJ_FLT = 16;
        public static final int RSS_BYTES = 24;
        public static final int RSS_MAX_BYTES = 32;
        public static final int READ_NS = 40;
        public static final int EPOCH = 48;
        public static final int SIZE = 56;
    }

    public static final class DiskKey {
        public static final int PID = 0;
        public static final int DEV = 4;
        public static final int OP = 8;
        public static final int SIZE = 16;
    }

    public static final class DiskVal {
        public static final int OPS = 0;
        public static final int BYTES = 8;
        public static final int LATENCY_NS_SUM = 16;
        public static final int HIST = 24;
        public static final int EPOCH = HIST + 8 * LAT_BUCKETS;
        public static final int SIZE = EPOCH + 8;
    }

    public static final class Conn {
        public static final int ID = 0;
        public static final int PID = 8;
        public static final int FAMILY = 12;
        public static final int PASSIVE = 13;
        public static final int ANNOUNCED = 14;
        public static final int SPORT = 16;
        public static final int DPORT = 18;
        public static final int RETRANSMITS = 20;
        public static final int SADDR = 24;
        public static final int DADDR = 40;
        public static final int BYTES_SENT = 56;
        public static final int BYTES_RECEIVED = 64;
        public static final int COMM = 72;
        public static final int SIZE = 88;
    }

    static {
        define("akmon_config", Config.SIZE, "filter_pids", Config.FILTER_PIDS, 4,
                "filter_comms", Config.FILTER_COMMS, 4, "filter_cgroups", Config.FILTER_CGROUPS, 4,
                "syscall_sample_rate", Config.SYSCALL_SAMPLE_RATE, 4, "use_perf", Config.USE_PERF, 4,
                "argv_max", Config.ARGV_MAX, 4, "wakeup_bytes", Config.WAKEUP_BYTES, 4);
        define("akmon_hdr", Hdr.SIZE, "type", Hdr.TYPE, 2, "size", Hdr.SIZE_FIELD, 2, "cpu", Hdr.CPU, 4,
                "ts", Hdr.TS, 8, "seq", Hdr.SEQ, 8);
        define("akmon_fork", Fork.SIZE, "hdr", 0, Hdr.SIZE, "pid", Fork.PID, 4, "ppid", Fork.PPID, 4,
                "comm", Fork.COMM, COMM_LEN);
        define("akmon_exec", Exec.SIZE, "hdr", 0, Hdr.SIZE, "pid", Exec.PID, 4, "ppid", Exec.PPID, 4,
                "uid", Exec.UID, 4, "old_pid", Exec.OLD_PID, 4, "filename_len", Exec.FILENAME_LEN_FIELD, 2,
                "argv_len", Exec.ARGV_LEN_FIELD, 2, "argv_truncated", Exec.ARGV_TRUNCATED, 1,
                "comm", Exec.COMM, COMM_LEN, "filename", Exec.FILENAME, FILENAME_LEN, "argv", Exec.ARGV, ARGV_LEN);
        define("akmon_exit", Exit.SIZE, "hdr", 0, Hdr.SIZE, "pid", Exit.PID, 4, "ppid", Exit.PPID, 4,
                "exit_code", Exit.EXIT_CODE, 4, "lifetime_ns", Exit.LIFETIME_NS, 8, "comm", Exit.COMM, COMM_LEN);
        define("akmon_oom", Oom.SIZE, "hdr", 0, Hdr.SIZE, "pid", Oom.PID, 4, "uid", Oom.UID, 4,
                "rss_bytes", Oom.RSS_BYTES, 8, "comm", Oom.COMM, COMM_LEN);
        define("akmon_net", Net.SIZE, "hdr", 0, Hdr.SIZE, "conn", Net.CONN, 8, "pid", Net.PID, 4,
                "event", Net.EVENT, 1, "family", Net.FAMILY, 1, "sport", Net.SPORT, 2, "dport", Net.DPORT, 2,
                "retransmits", Net.RETRANSMITS, 4, "saddr", Net.SADDR, ADDR_LEN, "daddr", Net.DADDR, ADDR_LEN,
                "bytes_sent", Net.BYTES_SENT, 8, "bytes_received", Net.BYTES_RECEIVED, 8, "comm", Net.COMM, COMM_LEN);
        define("akmon_file", File.SIZE, "hdr", 0, Hdr.SIZE, "pid", File.PID, 4, "tid", File.TID, 4,
                "uid", File.UID, 4, "ret", File.RET, 4, "op", File.OP, 2, "flags", File.FLAGS, 2, "nr", File.NR, 2,
                "path_len", File.PATH_LEN_FIELD, 2, "path2_len", File.PATH2_LEN_FIELD, 2, "mode", File.MODE, 4,
                "comm", File.COMM, COMM_LEN, "path_key", File.PATH_KEY, 4, "path", File.PATH, PATH_LEN,
                "path2_key", File.PATH2_KEY, 4, "path2", File.PATH2, PATH_LEN);
        define("akmon_path_filter_key", PathFilterKey.SIZE, "prefixlen", PathFilterKey.PREFIXLEN, 4,
                "data", PathFilterKey.DATA, PATH_KEY_LEN);
        define("akmon_file_io_key", FileIoKey.SIZE, "pid", FileIoKey.PID, 4, "kind", FileIoKey.KIND, 4,
                "op", FileIoKey.OP, 4);
        define("akmon_file_io_val", FileIoVal.SIZE, "ops", FileIoVal.OPS, 8, "bytes", FileIoVal.BYTES, 8,
                "epoch", FileIoVal.EPOCH, 8);
        define("akmon_udp_key", UdpKey.SIZE, "pid", UdpKey.PID, 4, "family", UdpKey.FAMILY, 1,
                "lport", UdpKey.LPORT, 2, "rport", UdpKey.RPORT, 2, "laddr", UdpKey.LADDR, ADDR_LEN,
                "raddr", UdpKey.RADDR, ADDR_LEN);
        define("akmon_udp_val", UdpVal.SIZE, "datagrams_sent", UdpVal.DATAGRAMS_SENT, 8,
                "bytes_sent", UdpVal.BYTES_SENT, 8, "datagrams_received", UdpVal.DATAGRAMS_RECEIVED, 8,
                "bytes_received", UdpVal.BYTES_RECEIVED, 8);
        define("akmon_syscall_key", SyscallKey.SIZE, "pid", SyscallKey.PID, 4, "nr", SyscallKey.NR, 4);
        define("akmon_syscall_val", SyscallVal.SIZE, "count", SyscallVal.COUNT, 8, "errors", SyscallVal.ERRORS, 8,
                "epoch", SyscallVal.EPOCH, 8);
        define("akmon_changed_key", ChangedKey.SIZE, "kind", ChangedKey.KIND, 4, "pid", ChangedKey.PID, 4,
                "a", ChangedKey.A, 4, "b", ChangedKey.B, 4);
        define("akmon_proc_val", ProcVal.SIZE, "on_cpu_ns", ProcVal.ON_CPU_NS, 8, "min_flt", ProcVal.MIN_FLT, 8,
                "maj_flt", ProcVal.MAJ_FLT, 8, "rss_bytes", ProcVal.RSS_BYTES, 8, "rss_max_bytes", ProcVal.RSS_MAX_BYTES, 8,
                "read_ns", ProcVal.READ_NS, 8, "epoch", ProcVal.EPOCH, 8);
        define("akmon_disk_key", DiskKey.SIZE, "pid", DiskKey.PID, 4, "dev", DiskKey.DEV, 4, "op", DiskKey.OP, 4);
        define("akmon_disk_val", DiskVal.SIZE, "ops", DiskVal.OPS, 8, "bytes", DiskVal.BYTES, 8,
                "latency_ns_sum", DiskVal.LATENCY_NS_SUM, 8, "hist", DiskVal.HIST, 8 * LAT_BUCKETS,
                "epoch", DiskVal.EPOCH, 8);
        define("akmon_conn", Conn.SIZE, "id", Conn.ID, 8, "pid", Conn.PID, 4, "family", Conn.FAMILY, 1,
                "passive", Conn.PASSIVE, 1, "announced", Conn.ANNOUNCED, 1, "sport", Conn.SPORT, 2,
                "dport", Conn.DPORT, 2, "retransmits", Conn.RETRANSMITS, 4, "saddr", Conn.SADDR, ADDR_LEN,
                "daddr", Conn.DADDR, ADDR_LEN, "bytes_sent", Conn.BYTES_SENT, 8,
                "bytes_received", Conn.BYTES_RECEIVED, 8, "comm", Conn.COMM, COMM_LEN);
    }

    /** Every struct the Java side depends on, by its C name without "struct ". */
    public static Map<String, Struct> structs() {
        return STRUCTS;
    }

    private Layout() {
    }
}
