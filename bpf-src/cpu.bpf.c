// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* CPU: on-CPU time per process, measured between scheduler switches. */
#include "common.bpf.h"

/* When the task now running on this CPU was switched in. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} oncpu_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, __u64);
} cpu_time SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(akmon_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 zero = 0, tgid = prev->tgid;
	__u64 now = bpf_ktime_get_ns(), init = 0, *since, *total;

	since = bpf_map_lookup_elem(&oncpu_since, &zero);
	if (!since)
		return 0;
	/* pid 0 is the idle task; the first switch after load has no start time yet. */
	if (*since && tgid && traced_tgid(tgid)) {
		total = lookup_or_init(&cpu_time, &tgid, &init, AKMON_DROP_CPU_MAP);
		if (total)
			__sync_fetch_and_add(total, now - *since);
	}
	*since = now;
	return 0;
}
