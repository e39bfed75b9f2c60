// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Memory: resident set per process as it changes, user page faults, and OOM kills. */
#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct akmon_mem_val);
} proc_mem SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, __u64);
} page_faults SEC(".maps");

/* file + anon + shmem pages, read as /proc/<pid>/status reads them (percpu_counter_read). */
static __always_inline __u64 rss_bytes(struct mm_struct *mm)
{
	__s64 pages = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count) +
		      BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count) +
		      BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count);
	return pages > 0 ? (__u64)pages * 4096 : 0;
}

SEC("tp_btf/rss_stat")
int BPF_PROG(akmon_rss_stat, struct mm_struct *mm, int member)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct akmon_mem_val init = {}, *v;
	__u32 tgid;
	__u64 rss;

	if (task->mm != mm) /* another process's mm (e.g. reclaim); its owner reports its own changes */
		return 0;
	tgid = task->tgid;
	if (!traced_tgid(tgid))
		return 0;
	v = lookup_or_init(&proc_mem, &tgid, &init, AKMON_DROP_MEM_MAP);
	if (!v)
		return 0;
	rss = rss_bytes(mm);
	v->rss_bytes = rss;
	if (rss > v->rss_max_bytes)
		v->rss_max_bytes = rss;
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(akmon_page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 init = 0, *n;

	if (!traced_tgid(tgid))
		return 0;
	n = lookup_or_init(&page_faults, &tgid, &init, AKMON_DROP_MEM_MAP);
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(akmon_mark_victim, struct task_struct *victim, uid_t uid)
{
	struct akmon_oom rec = {};
	struct mm_struct *mm = victim->mm;

	if (!traced_tgid(victim->tgid))
		return 0;
	rec.pid = victim->tgid;
	rec.uid = uid;
	rec.rss_bytes = mm ? rss_bytes(mm) : 0;
	process_comm(victim, rec.comm);
	emit(ctx, &rec, sizeof(rec), AKMON_REC_OOM);
	return 0;
}
