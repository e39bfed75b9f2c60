// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Memory: OOM kills. Resident memory and page faults are read from the task's own counters at each
 * scheduler switch (cpu.bpf.c), not probed per fault.
 */
#include "common.bpf.h"

SEC("tp_btf/mark_victim")
int BPF_PROG(akmon_mark_victim, struct task_struct *victim, uid_t uid)
{
	struct akmon_oom rec = {};
	struct mm_struct *mm = victim->mm;

	if (!traced_tgid(victim->tgid))
		return 0;
	rec.pid = victim->tgid;
	rec.uid = uid;
	rec.rss_bytes = mm ? mm_rss_bytes(mm) : 0;
	process_comm(victim, rec.comm);
	emit(ctx, &rec, sizeof(rec), AKMON_REC_OOM);
	return 0;
}
