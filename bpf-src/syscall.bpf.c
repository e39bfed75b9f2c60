// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscalls: counted in the kernel per process and syscall number in a per-CPU map; no record per
 * syscall crosses to user space. The agent drains the map on an interval.
 */
#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct akmon_syscall_key);
	__type(value, struct akmon_syscall_val);
} syscall_counts SEC(".maps");

/* Per-CPU counter for 1-in-N sampling. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} syscall_sampler SEC(".maps");

/* Counted at exit, where the result is known; exit and exit_group never return and are not counted. */
SEC("tp_btf/sys_exit")
int BPF_PROG(akmon_sys_exit, struct pt_regs *regs, long ret)
{
	struct akmon_syscall_key key;
	struct akmon_syscall_val zero_val = {}, *v;
	__u64 weight = 1;

	if (!traced_current())
		return 0;
	if (cfg.syscall_sample_rate > 1) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&syscall_sampler, &zero);
		if (!n || (++*n % cfg.syscall_sample_rate) != 0)
			return 0;
		weight = cfg.syscall_sample_rate;
	}
	key.pid = bpf_get_current_pid_tgid() >> 32;
	key.nr = regs->orig_ax;
	v = lookup_or_init(&syscall_counts, &key, &zero_val, AKMON_DROP_SYSCALL_MAP);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->count, weight);
	if (ret < 0 && ret >= -4095)
		__sync_fetch_and_add(&v->errors, weight);
	mark_changed(&v->epoch, AKMON_CHANGED_SYSCALL, key.pid, key.nr, 0);
	return 0;
}
