// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CPU time, page faults and resident memory per process, read from the task's own counters at each
 * scheduler switch: no probe per page fault or RSS change. Time is measured between switches;
 * faults are the difference of task->min_flt/maj_flt between switch-in and switch-out (the counters
 * /proc/<pid>/stat reports, which only the task itself increments); RSS is read from the mm's
 * counters as /proc/<pid>/status reads them.
 */
#include "common.bpf.h"

#define PF_KTHREAD 0x00200000

/* The task now running on this CPU: when it was switched in, and its fault counts then. */
struct oncpu {
	__u64 since;
	__u64 min_flt;
	__u64 maj_flt;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oncpu);
} oncpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct akmon_proc_val);
} proc_stats SEC(".maps");

/*
 * Credits the task that had this CPU since the last switch (or flush) with its time and faults,
 * reads its process's RSS, and starts the same for the task that gets the CPU now.
 */
static __always_inline void account(struct task_struct *prev, struct task_struct *next)
{
	__u32 zero = 0, tgid = prev->tgid;
	__u64 now = bpf_ktime_get_ns();
	struct akmon_proc_val init = {}, *v;
	struct oncpu *c;
	struct mm_struct *mm;

	c = bpf_map_lookup_elem(&oncpu, &zero);
	if (!c)
		return;
	/* pid 0 is the idle task; the first switch after load has no start yet. */
	if (c->since && tgid && traced_tgid(tgid)) {
		v = lookup_or_init(&proc_stats, &tgid, &init, AKMON_DROP_CPU_MAP);
		if (v) {
			/* a per-CPU slot, written only here with interrupts off: plain adds are exact */
			v->on_cpu_ns += now - c->since;
			v->min_flt += prev->min_flt - c->min_flt;
			v->maj_flt += prev->maj_flt - c->maj_flt;
			mm = prev->mm;
			if (mm && !(prev->flags & PF_KTHREAD)) {
				__u64 rss = mm_rss_bytes(mm);
				__u64 hwm = BPF_CORE_READ(mm, hiwater_rss) * 4096;

				v->rss_bytes = rss;
				v->rss_max_bytes = hwm > rss ? hwm : rss;
				v->read_ns = now;
			}
			mark_changed(&v->epoch, AKMON_CHANGED_PROC, tgid, 0, 0);
		}
	}
	c->since = now;
	c->min_flt = next->min_flt;
	c->maj_flt = next->maj_flt;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(akmon_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	account(prev, next);
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
	struct task_struct *cur = bpf_get_current_task_btf();

	account(cur, cur);
	return 0;
}
