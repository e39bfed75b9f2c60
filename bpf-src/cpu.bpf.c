// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CPU time, page faults and resident memory per process, read from the task's own counters at each
 * scheduler switch: no probe per page fault or RSS change. Time is the growth of se.sum_exec_runtime;
 * faults are the growth of task->min_flt/maj_flt since they were last credited (the counters
 * /proc/<pid>/stat reports, which only the task itself increments); RSS is read from the mm's
 * counters as /proc/<pid>/status reads them.
 */
#include "common.bpf.h"

#define PF_KTHREAD 0x00200000

/* When the task now running on this CPU was switched in. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} oncpu_since SEC(".maps");

/*
 * Each task's fault counts when they were last credited. Kept per task, not per CPU, so a fault is
 * credited once whatever order the switches of a task are seen in.
 */
struct flt_base {
	__u64 min_flt;
	__u64 maj_flt;
	__u64 runtime; /* se.sum_exec_runtime when last credited */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct flt_base);
} task_flt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct akmon_proc_val);
} proc_stats SEC(".maps");

static __always_inline struct flt_base *flt_base_of(struct task_struct *t)
{
	struct flt_base init = {.min_flt = t->min_flt, .maj_flt = t->maj_flt, .runtime = t->se.sum_exec_runtime};

	return bpf_task_storage_get(&task_flt, t, &init, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/*
 * Credits the task that had this CPU since the last switch (or flush) with its time, and with its
 * faults since they were last credited; reads its process's RSS. The task that gets the CPU now
 * gets a fault baseline the first time it is seen.
 */
static __always_inline void account(struct task_struct *prev, struct task_struct *next)
{
	__u32 zero = 0, tgid = prev->tgid;
	__u64 now = bpf_ktime_get_ns(), *since;
	struct akmon_proc_val init = {}, *v;
	struct flt_base *base;
	struct mm_struct *mm;

	since = bpf_map_lookup_elem(&oncpu_since, &zero);
	if (!since)
		return;
	/* pid 0 is the idle task; the first switch after load has no start yet. */
	if (*since && tgid && traced_tgid(tgid)) {
		v = lookup_or_init(&proc_stats, &tgid, &init, AKMON_DROP_CPU_MAP);
		if (v) {
			/*
			 * A per-CPU slot, written only here with interrupts off: plain adds are exact. Time is the
			 * task's own se.sum_exec_runtime (what /proc reports), not the clock between switches,
			 * which would also count a hypervisor's steal time; without task storage, the clock.
			 */
			base = flt_base_of(prev);
			if (!base)
				v->on_cpu_ns += now - *since;
			if (base) { /* else credited at a later switch: the baseline stays where it was */
				v->on_cpu_ns += prev->se.sum_exec_runtime - base->runtime;
				base->runtime = prev->se.sum_exec_runtime;
				v->min_flt += prev->min_flt - base->min_flt;
				v->maj_flt += prev->maj_flt - base->maj_flt;
				base->min_flt = prev->min_flt;
				base->maj_flt = prev->maj_flt;
			}
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
	*since = now;
	if (next != prev && next->tgid)
		flt_base_of(next);
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
