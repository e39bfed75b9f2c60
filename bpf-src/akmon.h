/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * akmon.h - the one definition of every record and map value the kernel side shares with user space.
 *
 * probe-agent's io.akmon.agent.decode.Layout mirrors these structs byte for byte; LayoutBtfTest
 * compares both against the compiled object's BTF, so a change here that is not made there fails
 * the build. Keep fields naturally aligned and padding explicit.
 */
#ifndef AKMON_H
#define AKMON_H

#define AKMON_COMM_LEN 16
#define AKMON_FILENAME_LEN 256
#define AKMON_ARGV_LEN 1024 /* power of two: the verifier bounds reads with a mask */
#define AKMON_ADDR_LEN 16   /* IPv6 size; IPv4 uses the first 4 bytes */
#define AKMON_LAT_BUCKETS 32
#define AKMON_PATH_LEN 512  /* power of two: offsets into it are bounded with a mask */
#define AKMON_PATH_KEY_LEN 256 /* bytes of a path the prefix filters compare (the LPM trie's limit) */

/* Records sent through the ring or perf buffer. Interval figures are not records: they live in maps. */
enum akmon_record_type {
	AKMON_REC_FORK = 1,
	AKMON_REC_EXEC = 2,
	AKMON_REC_EXIT = 3,
	AKMON_REC_OOM = 4,
	AKMON_REC_NET = 5,
	AKMON_REC_FILE = 6,
};

/* Why the kernel side could not count or send something; index of the drops map. */
enum akmon_drop_reason {
	AKMON_DROP_OUTPUT = 0,    /* ring/perf buffer full: the record's seq is skipped */
	AKMON_DROP_SYSCALL_MAP,   /* syscall_counts full */
	AKMON_DROP_CPU_MAP,       /* proc_stats full: CPU time, faults and RSS of a process not counted */
	AKMON_DROP_MEM_MAP,       /* unused since memory figures share proc_stats; kept so the numbers stay */
	AKMON_DROP_DISK_MAP,      /* disk_io or inflight_io full */
	AKMON_DROP_CONN_MAP,      /* conns full */
	AKMON_DROP_FILTER_MAP,    /* filter_pids full: a child of a traced process is not followed */
	AKMON_DROP_FILE_IO_MAP,   /* file_io full: a process's read/write bytes not counted */
	AKMON_DROP_UDP_MAP,       /* udp_flows full: datagrams of a new endpoint pair not counted */
	AKMON_DROP_REASONS,
};

enum akmon_net_event {
	AKMON_NET_CONNECT = 1, /* active open reached ESTABLISHED */
	AKMON_NET_ACCEPT = 2,  /* passive open, announced at the first touch by a process */
	AKMON_NET_CLOSE = 3,   /* reached CLOSE; carries the connection's totals */
};

enum akmon_disk_op {
	AKMON_DISK_READ = 0,
	AKMON_DISK_WRITE = 1,
};

/* Settings patched into .rodata before load; the verifier then prunes what they switch off. */
struct akmon_config {
	__u32 filter_pids;         /* 1: only processes in filter_pids (and their descendants) */
	__u32 filter_comms;        /* 1: only comms in filter_comms */
	__u32 filter_cgroups;      /* 1: only cgroup v2 ids in filter_cgroups */
	__u32 syscall_sample_rate; /* count 1 syscall in N, weighted by N; 1 = exact */
	__u32 use_perf;            /* 0: BPF ring buffer, 1: perf buffer */
	__u32 argv_max;            /* bytes of argv to copy, at most AKMON_ARGV_LEN */
	__u32 wakeup_bytes;        /* ring buffer: wake the reader once this many bytes wait; 0 = every record */
};

struct akmon_hdr {
	__u16 type;  /* enum akmon_record_type */
	__u16 size;  /* bytes of the whole record, header included */
	__u32 cpu;   /* CPU whose sequence numbered this record */
	__u64 ts;    /* CLOCK_BOOTTIME, ns */
	__u64 seq;   /* per CPU, +1 for every record attempted, sent or not */
};

struct akmon_fork {
	struct akmon_hdr hdr;
	__u32 pid;   /* child tgid */
	__u32 ppid;  /* parent tgid */
	char comm[AKMON_COMM_LEN];
};

struct akmon_exec {
	struct akmon_hdr hdr;
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__u32 old_pid;        /* differs from pid when a non-leader thread exec'd */
	__u16 filename_len;   /* bytes used in filename, NUL excluded */
	__u16 argv_len;       /* bytes used in argv, NUL-separated arguments */
	__u8 argv_truncated;
	__u8 pad[3];
	char comm[AKMON_COMM_LEN];
	char filename[AKMON_FILENAME_LEN];
	char argv[AKMON_ARGV_LEN];
};

struct akmon_exit {
	struct akmon_hdr hdr;
	__u32 pid;
	__u32 ppid;
	__u32 exit_code;  /* wait status: (code << 8) | signal, 0x80 if it dumped core */
	__u32 pad;
	__u64 lifetime_ns;
	char comm[AKMON_COMM_LEN];
};

struct akmon_oom {
	struct akmon_hdr hdr;
	__u32 pid;
	__u32 uid;
	__u64 rss_bytes;
	char comm[AKMON_COMM_LEN];
};

struct akmon_net {
	struct akmon_hdr hdr;
	__u64 conn;          /* connection id: unique per boot while the connection lives */
	__u32 pid;
	__u8 event;          /* enum akmon_net_event */
	__u8 family;         /* 4 or 6 */
	__u16 sport;
	__u16 dport;
	__u16 pad;
	__u32 retransmits;   /* totals over the connection's life, on close */
	__u8 saddr[AKMON_ADDR_LEN];
	__u8 daddr[AKMON_ADDR_LEN];
	__u64 bytes_sent;
	__u64 bytes_received;
	char comm[AKMON_COMM_LEN];
};

/* enum akmon_file_op: what a file record reports (file.bpf.c says which syscalls map to which). */
enum akmon_file_op {
	AKMON_FILE_CREATE = 1,   /* an open that created the file (or, failed, asked to: O_CREAT) */
	AKMON_FILE_OPEN = 2,     /* an open of an existing file for writing or truncation */
	AKMON_FILE_UNLINK = 3,
	AKMON_FILE_RENAME = 4,   /* path: the old name, path2: the new one */
	AKMON_FILE_MKDIR = 5,
	AKMON_FILE_RMDIR = 6,
	AKMON_FILE_CHMOD = 7,
	AKMON_FILE_CHOWN = 8,
	AKMON_FILE_TRUNCATE = 9,
};

/* Bits of akmon_file.flags, one set per path. */
enum akmon_file_flag {
	AKMON_FILE_PATH_RELATIVE = 1,   /* path could not be resolved: it is as the process gave it */
	AKMON_FILE_PATH_TRUNCATED = 2,  /* path is longer than AKMON_PATH_LEN - 1 bytes: cut */
	AKMON_FILE_PATH2_RELATIVE = 4,
	AKMON_FILE_PATH2_TRUNCATED = 8,
};

/*
 * A file system change, taken at the syscall's exit. Each path is preceded by a 32-bit field so that
 * the pair is a key of the path_filters LPM trie as it stands (prefix length in bits, then data).
 */
struct akmon_file {
	struct akmon_hdr hdr;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 ret;            /* the syscall's result: >= 0 success, else -errno */
	__u16 op;             /* enum akmon_file_op */
	__u16 flags;          /* enum akmon_file_flag */
	__u16 nr;             /* syscall number */
	__u16 path_len;       /* bytes used in path, NUL excluded */
	__u16 path2_len;
	__u16 pad;
	__u32 mode;           /* open flags (open, create), mode (chmod, mkdir, create), new uid (chown) */
	char comm[AKMON_COMM_LEN];
	__u32 path_key;       /* filter key scratch: prefix length of path for the LPM lookup */
	char path[AKMON_PATH_LEN];
	__u32 path2_key;
	char path2[AKMON_PATH_LEN];
};

/* Any record; the per-CPU scratch slot large records are built in. */
union akmon_record {
	struct akmon_hdr hdr;
	struct akmon_fork fork;
	struct akmon_exec exec;
	struct akmon_exit exit;
	struct akmon_oom oom;
	struct akmon_net net;
	struct akmon_file file;
};

/* ---- map keys and values the agent drains on an interval ---- */

/*
 * Which entries changed since the last drain, so a drain reads those and not every process ever
 * seen. A program that updates a drained entry adds its key here once per drain epoch and CPU (the
 * epoch field of the entry's per-CPU slot says whether it already did). The agent swaps the set at
 * each drain; see agent.loader.ChangedSet for why no update can slip between two sets.
 */
enum akmon_changed_kind {
	AKMON_CHANGED_SYSCALL = 1, /* syscall_counts: pid, a = nr */
	AKMON_CHANGED_PROC = 2,    /* proc_stats: pid */
	AKMON_CHANGED_DISK = 3,    /* disk_io: pid, a = dev, b = op */
	AKMON_CHANGED_FILE_IO = 4, /* file_io: pid, a = fd kind, b = op */
};

struct akmon_changed_key {
	__u32 kind;  /* enum akmon_changed_kind */
	__u32 pid;
	__u32 a;
	__u32 b;
};

struct akmon_syscall_key {
	__u32 pid;
	__u32 nr;
};

struct akmon_syscall_val {
	__u64 count;
	__u64 errors;
	__u64 epoch;          /* drain epoch in which this CPU last marked the entry changed */
};

/*
 * Per process and CPU (a per-CPU hash keyed by tgid): what the scheduler switch and the CPU flush
 * read from the task's own counters. Time and faults add up over CPUs; the RSS reading of the CPU
 * with the latest read_ns is the current one.
 */
struct akmon_proc_val {
	__u64 on_cpu_ns;
	__u64 min_flt;        /* the kernel's own fault counts (task->min_flt, maj_flt), while traced */
	__u64 maj_flt;
	__u64 rss_bytes;      /* file + anon + shmem, as /proc/<pid>/status VmRSS, at this CPU's last reading */
	__u64 rss_max_bytes;  /* the mm's high-water mark, as VmHWM, at that reading */
	__u64 read_ns;        /* CLOCK_MONOTONIC of that reading; 0: never read (kernel threads) */
	__u64 epoch;          /* drain epoch in which this CPU last marked the entry changed */
};

struct akmon_disk_key {
	__u32 pid;
	__u32 dev;            /* major << 20 | minor, the kernel's dev_t */
	__u32 op;             /* enum akmon_disk_op */
	__u32 pad;
};

struct akmon_disk_val {
	__u64 ops;
	__u64 bytes;
	__u64 latency_ns_sum;
	__u64 hist[AKMON_LAT_BUCKETS]; /* bucket i: latency in [2^(i-1), 2^i) us; bucket 0: < 1 us */
	__u64 epoch;          /* drain epoch in which this CPU last marked the entry changed */
};

/* What a descriptor read or written is: the file family counts bytes per process, kind and direction. */
enum akmon_fd_kind {
	AKMON_FD_FILE = 0,    /* a regular file: page cache or not, what the process moved */
	AKMON_FD_SOCKET = 1,
	AKMON_FD_PIPE = 2,
	AKMON_FD_OTHER = 3,   /* character devices, ttys, eventfds and the like */
};

struct akmon_file_io_key {
	__u32 pid;
	__u32 kind;           /* enum akmon_fd_kind */
	__u32 op;             /* enum akmon_disk_op: 0 read, 1 write */
	__u32 pad;
};

struct akmon_file_io_val {
	__u64 ops;            /* calls that moved at least one byte */
	__u64 bytes;          /* their return values */
	__u64 epoch;          /* drain epoch in which this CPU last marked the entry changed */
};

struct akmon_conn {
	__u64 id;            /* connection id: boottime ns of first sight, low byte = CPU */
	__u32 pid;
	__u8 family;
	__u8 passive;
	__u8 announced;      /* connect/accept record sent */
	__u8 pad;
	__u16 sport;
	__u16 dport;
	__u32 retransmits;
	__u8 saddr[AKMON_ADDR_LEN];
	__u8 daddr[AKMON_ADDR_LEN];
	__u64 bytes_sent;
	__u64 bytes_received;
	char comm[AKMON_COMM_LEN];
};

/*
 * UDP datagrams and bytes per process and (local, remote) endpoint pair, from the send and receive
 * syscalls' exits (net.bpf.c). Local is the socket's bound address; remote is the address the call
 * named, else the connected peer, else all zeros (a receive that did not ask for the source).
 */
struct akmon_udp_key {
	__u32 pid;
	__u16 lport;
	__u16 rport;
	__u8 family;          /* 4 or 6 */
	__u8 pad[3];
	__u8 laddr[AKMON_ADDR_LEN];
	__u8 raddr[AKMON_ADDR_LEN];
};

struct akmon_udp_val {
	__u64 datagrams_sent;
	__u64 bytes_sent;
	__u64 datagrams_received;
	__u64 bytes_received;
};

/* Value of a path_filters entry: the longest matching prefix decides. */
enum akmon_path_filter {
	AKMON_PATH_INCLUDE = 1,
	AKMON_PATH_EXCLUDE = 2,
};

struct akmon_path_filter_key {
	__u32 prefixlen;      /* bits */
	char data[AKMON_PATH_KEY_LEN];
};

/*
 * Names every enum whose values the agent or the event table use, so that the enums reach the compiled
 * object's BTF (an enum only named by its constants does not): LayoutBtfTest and EnumBtfTest read them
 * there. process.bpf.c defines the one variable of this type; nothing reads it.
 */
struct akmon_enums {
	enum akmon_record_type record_type;
	enum akmon_drop_reason drop_reason;
	enum akmon_net_event net_event;
	enum akmon_disk_op disk_op;
	enum akmon_file_op file_op;
	enum akmon_file_flag file_flag;
	enum akmon_changed_kind changed_kind;
	enum akmon_fd_kind fd_kind;
	enum akmon_path_filter path_filter;
};

#endif /* AKMON_H */
