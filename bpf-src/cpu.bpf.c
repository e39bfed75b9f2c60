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

/* Credits the time since the last switch (or flush) on this CPU to the task that had it. */
static __always_inline void account(__u32 tgid)
{
	__u32 zero = 0;
	__u64 now = bpf_ktime_get_ns(), init = 0, *since, *total;

	since = bpf_map_lookup_elem(&oncpu_since, &zero);
	if (!since)
		return;
	/* pid 0 is the idle task; the first switch after load has no start time yet. */
	if (*since && tgid && traced_tgid(tgid)) {
		total = lookup_or_init(&cpu_time, &tgid, &init, AKMON_DROP_CPU_MAP);
		if (total)
			__sync_fetch_and_add(total, now - *since);
	}
	*since = now;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(akmon_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	account(prev->tgid);
	return 0;
}

/*
 * Not attached: the agent test-runs it on every CPU (BPF_F_TEST_RUN_ON_CPU) before each drain, so a
 * task that runs for seconds without switching is credited interval by interval, not all at once.
 * It runs in an IPI on that CPU, where the scheduler cannot switch under it.
 */
SEC("raw_tp")
int akmon_cpu_flush(void *ctx)
{
	account(bpf_get_current_pid_tgid() >> 32);
	return 0;
}
