// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network: TCP connections opened, accepted and closed, with exact bytes per connection from the
 * socket layer (sock_send_length / sock_recv_length count what the application moved) and
 * retransmits. Byte totals live in the conns map, updated atomically; the agent drains deltas.
 */
#include "common.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define MSG_PEEK 2

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CONNS);
	__type(key, __u64); /* struct sock address */
	__type(value, struct akmon_conn);
} conns SEC(".maps");

/* Boottime ns of first sight, its low byte replaced by the CPU: unique per boot. */
static __always_inline __u64 conn_id(void)
{
	return (bpf_ktime_get_boot_ns() & ~0xffULL) | (bpf_get_smp_processor_id() & 0xff);
}

static __always_inline bool is_tcp(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;
	return sk->sk_protocol == IPPROTO_TCP && (family == AF_INET || family == AF_INET6);
}

static __always_inline void fill_addrs(struct akmon_conn *c, const struct sock *sk)
{
	if (sk->__sk_common.skc_family == AF_INET) {
		c->family = 4;
		__builtin_memcpy(c->saddr, &sk->__sk_common.skc_rcv_saddr, 4);
		__builtin_memcpy(c->daddr, &sk->__sk_common.skc_daddr, 4);
	} else {
		c->family = 6;
		BPF_CORE_READ_INTO(&c->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&c->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	c->sport = sk->__sk_common.skc_num;
	c->dport = bpf_ntohs(sk->__sk_common.skc_dport);
}

static __always_inline void emit_conn(void *ctx, struct akmon_conn *c, __u8 event)
{
	struct akmon_net rec = {};

	rec.conn = c->id;
	rec.pid = c->pid;
	rec.event = event;
	rec.family = c->family;
	rec.sport = c->sport;
	rec.dport = c->dport;
	rec.retransmits = c->retransmits;
	__builtin_memcpy(rec.saddr, c->saddr, AKMON_ADDR_LEN);
	__builtin_memcpy(rec.daddr, c->daddr, AKMON_ADDR_LEN);
	rec.bytes_sent = c->bytes_sent;
	rec.bytes_received = c->bytes_received;
	__builtin_memcpy(rec.comm, c->comm, AKMON_COMM_LEN);
	emit(ctx, &rec, sizeof(rec), AKMON_REC_NET);
}

/* The kernel's own count of retransmitted segments (what TCP_INFO reports as tcpi_total_retrans). */
static __always_inline __u32 total_retrans(const struct sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);
	return tp ? tp->total_retrans : 0;
}

/*
 * The connection as seen from process context. A socket first seen here (opened before the agent
 * started) is tracked from now on; a passive one is announced as accepted by its first user.
 */
static __always_inline struct akmon_conn *touch(void *ctx, const struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct akmon_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (!c) {
		struct akmon_conn init = {};
		if (!traced_tgid(tgid))
			return 0;
		init.id = conn_id();
		init.pid = tgid;
		init.announced = 1; /* already open: no connect/accept record to make up */
		current_process_comm(init.comm);
		fill_addrs(&init, sk);
		c = lookup_or_init(&conns, &key, &init, AKMON_DROP_CONN_MAP);
		return c;
	}
	if (!c->announced && c->passive) {
		if (!traced_tgid(tgid)) {
			bpf_map_delete_elem(&conns, &key);
			return 0;
		}
		c->pid = tgid;
		current_process_comm(c->comm);
		c->announced = 1;
		emit_conn(ctx, c, AKMON_NET_ACCEPT);
	}
	return c;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(akmon_sock_send, struct sock *sk, int ret, int flags)
{
	struct akmon_conn *c;

	if (ret <= 0 || !is_tcp(sk))
		return 0;
	c = touch(ctx, sk);
	if (c)
		__sync_fetch_and_add(&c->bytes_sent, ret);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(akmon_sock_recv, struct sock *sk, int ret, int flags)
{
	struct akmon_conn *c;

	if (ret <= 0 || (flags & MSG_PEEK) || !is_tcp(sk))
		return 0;
	c = touch(ctx, sk);
	if (c)
		__sync_fetch_and_add(&c->bytes_received, ret);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(akmon_inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 key = (__u64)sk;
	struct akmon_conn *c;

	if (!is_tcp(sk))
		return 0;

	if (newstate == TCP_SYN_SENT) { /* connect(), in the caller's context: remember who */
		struct akmon_conn init = {};
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		if (!traced_tgid(tgid))
			return 0;
		init.id = conn_id();
		init.pid = tgid;
		current_process_comm(init.comm);
		if (bpf_map_update_elem(&conns, &key, &init, BPF_ANY))
			count_drop(AKMON_DROP_CONN_MAP);
		return 0;
	}

	if (newstate == TCP_ESTABLISHED) {
		c = bpf_map_lookup_elem(&conns, &key);
		if (c && oldstate == TCP_SYN_SENT) {
			fill_addrs(c, sk); /* the port is bound only after SYN_SENT */
			c->announced = 1;
			emit_conn(ctx, c, AKMON_NET_CONNECT);
		} else if (!c && oldstate == TCP_SYN_RECV) {
			/* softirq context: the accepting process is not known until it touches the socket */
			struct akmon_conn init = {};
			init.id = conn_id();
			init.passive = 1;
			fill_addrs(&init, sk);
			if (bpf_map_update_elem(&conns, &key, &init, BPF_NOEXIST))
				count_drop(AKMON_DROP_CONN_MAP);
		}
		return 0;
	}

	if (newstate == TCP_CLOSE) {
		struct akmon_conn last;
		c = bpf_map_lookup_elem(&conns, &key);
		if (!c)
			return 0;
		last = *c;
		last.retransmits = total_retrans(sk);
		/* Delete before sending, so the agent never drains an entry whose close it has handled. */
		bpf_map_delete_elem(&conns, &key);
		if (!last.announced) {
			if (!last.passive)
				return 0; /* connect() that never got through */
			last.pid = bpf_get_current_pid_tgid() >> 32;
			current_process_comm(last.comm);
			emit_conn(ctx, &last, AKMON_NET_ACCEPT);
		}
		emit_conn(ctx, &last, AKMON_NET_CLOSE);
	}
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(akmon_tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb)
{
	__u64 key = (__u64)sk;
	struct akmon_conn *c = bpf_map_lookup_elem(&conns, &key);

	/* fires around each retransmission; the close record carries the final count */
	if (c)
		c->retransmits = total_retrans(sk);
	return 0;
}
