// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Disk I/O: per process, device and direction, bytes and operations, and latency from request issue
 * to completion as a log2 histogram built in the kernel.
 */
#include "common.bpf.h"

#define REQ_OP_BITS 8
#define REQ_OP_MASK ((1 << REQ_OP_BITS) - 1)
#define MINORBITS 20

struct inflight {
	__u64 issued_ns;
	__u32 pid;
	__u32 dev;
	__u32 op;
	__u32 remaining; /* bytes not completed yet; a request may complete in parts */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight_io SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, struct akmon_disk_key);
	__type(value, struct akmon_disk_val);
} disk_io SEC(".maps");

static __always_inline __u32 latency_bucket(__u64 ns)
{
	__u64 us = ns / 1000;
	__u32 b = 0;

	/* bucket i holds [2^(i-1), 2^i) us: the bit length of us */
	for (int i = 0; i < AKMON_LAT_BUCKETS - 1 && us; i++) {
		us >>= 1;
		b++;
	}
	return b;
}

/* Set once block_io_start runs: from then on a request belongs to the process that started it. */
__u32 io_start_seen;

/*
 * A request starts (is made from a bio) in the context of the process that submitted it; it may be
 * issued later from another one (kblockd, or a completion that restarts a busy queue), so the owner
 * is taken here. Kernels before 6.5 have no block_io_start: the issuing process is the owner there.
 */
SEC("tp_btf/block_io_start")
int BPF_PROG(akmon_block_io_start, struct request *rq)
{
	__u64 key = (__u64)rq;
	__u32 op = rq->cmd_flags & REQ_OP_MASK;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct inflight in = {};

	io_start_seen = 1;
	if ((op != 0 && op != 1) || !traced_tgid(pid)) {
		/* a request freed by a merge left its entry behind; this one reuses the address */
		bpf_map_delete_elem(&inflight_io, &key);
		return 0;
	}
	in.pid = pid;
	if (bpf_map_update_elem(&inflight_io, &key, &in, BPF_ANY))
		count_drop(AKMON_DROP_DISK_MAP);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(akmon_block_rq_issue, struct request *rq)
{
	__u64 key = (__u64)rq;
	__u32 op = rq->cmd_flags & REQ_OP_MASK;
	struct gendisk *disk = rq->q->disk;
	struct inflight in = {}, *started;

	if (op != 0 && op != 1) /* REQ_OP_READ, REQ_OP_WRITE: flush and discard move no data */
		return 0;
	if (!rq->__data_len || !disk)
		return 0;
	started = bpf_map_lookup_elem(&inflight_io, &key);
	if (started) {
		in.pid = started->pid;
	} else if (io_start_seen) {
		return 0; /* started by a process not traced, or before the agent */
	} else {
		in.pid = bpf_get_current_pid_tgid() >> 32;
		if (!traced_tgid(in.pid))
			return 0;
	}
	in.issued_ns = bpf_ktime_get_ns();
	in.dev = (disk->major << MINORBITS) | disk->first_minor;
	in.op = op;
	in.remaining = rq->__data_len;
	if (bpf_map_update_elem(&inflight_io, &key, &in, BPF_ANY))
		count_drop(AKMON_DROP_DISK_MAP);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(akmon_block_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq;
	struct inflight *in = bpf_map_lookup_elem(&inflight_io, &key);
	struct akmon_disk_key dk = {};
	struct akmon_disk_val init = {}, *v;
	__u64 lat;
	bool done;

	if (!in)
		return 0;
	dk.pid = in->pid;
	dk.dev = in->dev;
	dk.op = in->op;
	done = nr_bytes >= in->remaining;
	in->remaining = done ? 0 : in->remaining - nr_bytes;
	lat = bpf_ktime_get_ns() - in->issued_ns;
	if (done)
		bpf_map_delete_elem(&inflight_io, &key);

	v = lookup_or_init(&disk_io, &dk, &init, AKMON_DROP_DISK_MAP);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->bytes, nr_bytes);
	if (done) {
		__u32 b = latency_bucket(lat);
		__sync_fetch_and_add(&v->ops, 1);
		__sync_fetch_and_add(&v->latency_ns_sum, lat);
		if (b < AKMON_LAT_BUCKETS)
			__sync_fetch_and_add(&v->hist[b], 1);
	}
	mark_changed(&v->epoch, AKMON_CHANGED_DISK, dk.pid, dk.dev, dk.op);
	return 0;
}
