// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Process lifecycle: fork, exec and exit, one record each. */
#include "common.bpf.h"

/* Never read: brings the enums of akmon.h into the object's BTF (see struct akmon_enums). */
struct akmon_enums akmon_enums;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(akmon_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ppid = parent->tgid;
	__u32 pid = child->tgid;
	struct akmon_fork rec = {};

	if (pid == ppid) /* a new thread, not a new process */
		return 0;
	if (!traced_tgid(ppid))
		return 0;
	if (cfg.filter_pids) { /* follow descendants of traced processes */
		__u8 one = 1;
		if (bpf_map_update_elem(&filter_pids, &pid, &one, BPF_ANY))
			count_drop(AKMON_DROP_FILTER_MAP);
	}
	rec.pid = pid;
	rec.ppid = ppid;
	process_comm(parent, rec.comm);
	emit(ctx, &rec, sizeof(rec), AKMON_REC_FORK);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(akmon_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0;
	union akmon_record *slot;
	struct akmon_exec *rec;
	struct mm_struct *mm;
	unsigned long arg_start, arg_end, len;
	long n;

	if (!traced_tgid(p->tgid))
		return 0;
	slot = bpf_map_lookup_elem(&scratch, &zero);
	if (!slot)
		return 0;
	rec = &slot->exec;
	rec->pid = p->tgid;
	rec->ppid = p->real_parent->tgid;
	rec->uid = bpf_get_current_uid_gid() & 0xffffffff;
	rec->old_pid = old_pid;
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));

	n = bpf_probe_read_kernel_str(rec->filename, sizeof(rec->filename), bprm->filename);
	rec->filename_len = n > 0 ? n - 1 : 0;

	mm = p->mm;
	arg_start = mm->arg_start;
	arg_end = mm->arg_end;
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	rec->argv_truncated = 0;
	if (len > cfg.argv_max) {
		len = cfg.argv_max;
		rec->argv_truncated = 1;
	}
	if (len > AKMON_ARGV_LEN - 1) {
		len = AKMON_ARGV_LEN - 1;
		rec->argv_truncated = 1;
	}
	len &= AKMON_ARGV_LEN - 1; /* a bound the verifier can see */
	if (len && bpf_probe_read_user(rec->argv, len, (void *)arg_start))
		len = 0;
	rec->argv_len = len;

	emit(ctx, rec, sizeof(*rec), AKMON_REC_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(akmon_exit, struct task_struct *p, bool group_dead)
{
	struct akmon_exit rec = {};
	__u32 pid = p->tgid;

	if (!group_dead) /* a thread ended; the process lives on */
		return 0;
	if (!traced_tgid(pid))
		return 0;
	rec.pid = pid;
	rec.ppid = p->real_parent->tgid;
	rec.exit_code = p->exit_code;
	rec.lifetime_ns = bpf_ktime_get_boot_ns() - p->group_leader->start_boottime;
	process_comm(p, rec.comm);
	emit(ctx, &rec, sizeof(rec), AKMON_REC_EXIT);
	if (cfg.filter_pids)
		bpf_map_delete_elem(&filter_pids, &pid);
	return 0;
}
