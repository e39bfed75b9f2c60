/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps, settings and helpers shared by every akmon program. Each .bpf.c includes this file; the
 * static linker merges the __weak definitions into one object with one ring buffer, one sequence
 * per CPU and one set of settings.
 */
#ifndef AKMON_COMMON_BPF_H
#define AKMON_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "akmon.h"

#define MAX_PROCS 32768
#define MAX_CONNS 16384

char LICENSE[] SEC("license") __weak = "Dual BSD/GPL";

/* Must stay the only variable in .rodata, at offset 0: the agent patches it there. */
const volatile struct akmon_config cfg __weak = {
	.syscall_sample_rate = 1,
	.argv_max = AKMON_ARGV_LEN,
};

/* Transport. The agent shrinks whichever of the two is not in use before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps") __weak;

/* Per-CPU record sequence. Pinned by the agent so numbering continues across agent restarts. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seqs SEC(".maps") __weak;

/* Sequence of the records the agent derives from maps (its stream, cpu -1); pinned likewise. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} agent_seq SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AKMON_DROP_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps") __weak;

/* Records too large for the 512-byte BPF stack are built here, one slot per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union akmon_record);
} scratch SEC(".maps") __weak;

/* Filters, filled by the agent before attach. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[AKMON_COMM_LEN]);
	__type(value, __u8);
} filter_comms SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u8);
} filter_cgroups SEC(".maps") __weak;

/*
 * The changed-entries sets (see akmon.h): the agent points slot 0 at one of two and swaps them.
 * Preallocated (about 2.5 MB each): an insert allocates nothing, and kernels before 6.1 allow no
 * other hash map in tracing programs. Keys changed per drain beyond this make it read every entry.
 */
struct akmon_changed_set {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, struct akmon_changed_key);
	__type(value, __u8);
} changed_a SEC(".maps") __weak, changed_b SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct akmon_changed_set);
} changed SEC(".maps") __weak;

/* [0]: the current drain epoch, starting at 1; [1]: marks that found no room (the agent then reads every entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} drain_epoch SEC(".maps") __weak;

/*
 * Records that the entry whose per-CPU slot holds *slot_epoch changed this epoch. Costs a compare
 * when it already did on this CPU; a set insert once per entry, CPU and drain otherwise.
 */
static __always_inline void mark_changed(__u64 *slot_epoch, __u32 kind, __u32 pid, __u32 a, __u32 b)
{
	__u32 zero = 0, one = 1;
	struct akmon_changed_key key = {.kind = kind, .pid = pid, .a = a, .b = b};
	__u64 *epoch = bpf_map_lookup_elem(&drain_epoch, &zero), *overflow;
	__u8 yes = 1;
	void *set;

	if (!epoch || *slot_epoch == *epoch)
		return;
	set = bpf_map_lookup_elem(&changed, &zero);
	if (set && !bpf_map_update_elem(set, &key, &yes, BPF_ANY)) {
		*slot_epoch = *epoch;
		return;
	}
	overflow = bpf_map_lookup_elem(&drain_epoch, &one);
	if (overflow)
		__sync_fetch_and_add(overflow, 1);
}

static __always_inline void count_drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &reason);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/*
 * Whether the current task is one the user asked to watch. Cheap when no filter is set. The agent
 * itself is watched like any process: its cost is the first figure an operator asks for.
 */
static __always_inline bool traced_tgid(__u32 tgid)
{
	if (cfg.filter_pids && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return false;
	if (cfg.filter_comms) {
		char comm[AKMON_COMM_LEN] = {};
		bpf_get_current_comm(comm, sizeof(comm));
		if (!bpf_map_lookup_elem(&filter_comms, comm))
			return false;
	}
	if (cfg.filter_cgroups) {
		__u64 cg = bpf_get_current_cgroup_id();
		if (!bpf_map_lookup_elem(&filter_cgroups, &cg))
			return false;
	}
	return true;
}

/* The process's name: its main thread's comm, not that of whichever thread is running. */
static __always_inline void process_comm(struct task_struct *task, char *comm)
{
	bpf_probe_read_kernel(comm, AKMON_COMM_LEN, task->group_leader->comm);
}

static __always_inline void current_process_comm(char *comm)
{
	process_comm(bpf_get_current_task_btf(), comm);
}

static __always_inline bool traced_current(void)
{
	return traced_tgid(bpf_get_current_pid_tgid() >> 32);
}

/*
 * Numbers and sends one record. The sequence is taken before the send, so a record the buffer
 * could not take leaves a gap downstream as well as a count in drops.
 */
static __always_inline void emit(void *ctx, void *rec, __u32 size, __u16 type)
{
	struct akmon_hdr *h = rec;
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&seqs, &zero);
	long err;

	h->type = type;
	h->size = size;
	h->cpu = bpf_get_smp_processor_id();
	h->ts = bpf_ktime_get_boot_ns();
	h->seq = seq ? __sync_fetch_and_add(seq, 1) + 1 : 0;
	if (cfg.use_perf)
		err = bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, rec, size);
	else if (cfg.wakeup_bytes)
		/* one wakeup per batch, not per record; the reader's poll timeout picks up the rest */
		err = bpf_ringbuf_output(&events, rec, size,
					 bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + size >= cfg.wakeup_bytes ?
					 BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	else
		err = bpf_ringbuf_output(&events, rec, size, 0);
	if (err)
		count_drop(AKMON_DROP_OUTPUT);
}

/* file + anon + shmem pages, read as /proc/<pid>/status reads them (percpu_counter_read). */
static __always_inline __u64 mm_rss_bytes(struct mm_struct *mm)
{
	__s64 pages = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count) +
		      BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count) +
		      BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count);
	return pages > 0 ? (__u64)pages * 4096 : 0;
}

/* Finds or creates a map entry; counts a drop when the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *init, __u32 reason)
{
	void *v = bpf_map_lookup_elem(map, key);
	if (v)
		return v;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		count_drop(reason);
	return v;
}

/* The struct file of descriptor fd of the current task, or NULL. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

#endif /* AKMON_COMMON_BPF_H */
