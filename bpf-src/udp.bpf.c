// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * UDP: datagrams and bytes per process and (local, remote) endpoint pair, counted in the kernel from
 * the send and receive syscalls' exits, where the return value says what moved and the caller's own
 * arguments name the peer of an unconnected socket (the socket layer's sock_send_length and
 * sock_recv_length see neither the address nor, on receive, a filled one):
 *   sendto, sendmsg, sendmmsg       one datagram per call (per vector entry sent), its return value
 *   recvfrom, recvmsg, recvmmsg     one datagram per call (entry) received; MSG_PEEK and MSG_ERRQUEUE
 *                                   reads are not receptions
 *   read, write, readv, writev      on a UDP socket: one datagram each, the connected peer
 * The remote end is the address the call named, else the connected peer, else all zeros (a receive
 * that did not ask for the source on an unconnected socket). io_uring and sendfile/splice into a UDP
 * socket are not seen. Sends under UDP_CORK or MSG_MORE count a datagram per call.
 */
#include "common.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_UDP 17
#define SOCK_DGRAM_ 2
#define MSG_PEEK_ 2
#define MSG_ERRQUEUE_ 0x2000
#define UDP_ESTABLISHED 1 /* TCP_ESTABLISHED: a connect()ed UDP socket */
#define S_IFMT__ 0170000
#define S_IFSOCK__ 0140000
#define MAX_MMSG 1024     /* UIO_MAXIOV: the kernel's own cap on a sendmmsg/recvmmsg vector */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_CONNS);
	__type(key, struct akmon_udp_key);
	__type(value, struct akmon_udp_val);
} udp_flows SEC(".maps");

/* The UDP (not UDP-Lite) socket of descriptor fd, or NULL. */
static __always_inline struct sock *udp_sock_of(int fd)
{
	struct file *f = fd_file(fd);
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT__) != S_IFSOCK__)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return NULL;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP || BPF_CORE_READ(sk, sk_type) != SOCK_DGRAM_)
		return NULL;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	return family == AF_INET || family == AF_INET6 ? sk : NULL;
}

/* Local end from the socket; remote end from the connected peer (zeros when not connected). */
static __always_inline void socket_ends(struct akmon_udp_key *k, struct sock *sk)
{
	bool connected = BPF_CORE_READ(sk, __sk_common.skc_state) == UDP_ESTABLISHED;

	if (BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET) {
		__u32 local = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 remote = connected ? BPF_CORE_READ(sk, __sk_common.skc_daddr) : 0;
		k->family = 4;
		__builtin_memcpy(k->laddr, &local, 4);
		__builtin_memcpy(k->raddr, &remote, 4);
	} else {
		k->family = 6;
		BPF_CORE_READ_INTO(&k->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		if (connected)
			BPF_CORE_READ_INTO(&k->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	k->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	k->rport = connected ? bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)) : 0;
}

/* The remote end from a sockaddr the call named (user memory); keeps the key's as it is otherwise. */
static __always_inline void named_peer(struct akmon_udp_key *k, const void *uaddr, __u32 len)
{
	struct sockaddr_in6 sa = {};

	if (!uaddr || len < sizeof(struct sockaddr_in))
		return;
	if (bpf_probe_read_user(&sa, len < sizeof(sa) ? sizeof(struct sockaddr_in) : sizeof(sa), uaddr))
		return;
	if (sa.sin6_family == AF_INET && k->family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;
		__builtin_memset(k->raddr, 0, AKMON_ADDR_LEN);
		__builtin_memcpy(k->raddr, &in->sin_addr, 4);
		k->rport = bpf_ntohs(in->sin_port);
	} else if (sa.sin6_family == AF_INET6 && k->family == 6 && len >= sizeof(sa)) {
		__builtin_memcpy(k->raddr, &sa.sin6_addr, AKMON_ADDR_LEN);
		k->rport = bpf_ntohs(sa.sin6_port);
	}
}

static __always_inline void count(const struct akmon_udp_key *k, bool send, __u64 bytes)
{
	struct akmon_udp_val zero = {}, *v;

	v = lookup_or_init(&udp_flows, k, &zero, AKMON_DROP_UDP_MAP);
	if (!v)
		return;
	/* per-CPU slot: no other CPU writes it, so plain adds are exact */
	if (send) {
		v->datagrams_sent++;
		v->bytes_sent += bytes;
	} else {
		v->datagrams_received++;
		v->bytes_received += bytes;
	}
}

/* One msghdr's datagram: its peer from msg_name (a receive's was filled in with msg_namelen). */
static __always_inline void count_msghdr(const struct akmon_udp_key *base, const struct user_msghdr *um,
					 bool send, __u64 bytes)
{
	struct akmon_udp_key k = *base;
	void *name = NULL;
	int namelen = 0;

	bpf_probe_read_user(&name, sizeof(name), &um->msg_name);
	bpf_probe_read_user(&namelen, sizeof(namelen), &um->msg_namelen);
	if (namelen > 0)
		named_peer(&k, name, namelen);
	count(&k, send, bytes);
}

struct mmsg_walk {
	const struct akmon_udp_key *base;
	struct mmsghdr *vec;
	bool send;
};

static long mmsg_entry(__u64 i, void *data)
{
	struct mmsg_walk *w = data;
	struct mmsghdr *m = &w->vec[i & (MAX_MMSG - 1)];
	unsigned int len = 0;

	bpf_probe_read_user(&len, sizeof(len), &m->msg_len);
	count_msghdr(w->base, &m->msg_hdr, w->send, len);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(akmon_udp_exit, struct pt_regs *regs, long ret)
{
	struct akmon_udp_key k = {};
	long nr = regs->orig_ax;
	bool send;
	struct sock *sk;

	if (ret < 0)
		return 0;
	switch (nr) {
	case 44: case 46: case 307: case 1: case 20:
		send = true;
		break;
	case 45: /* recvfrom(fd, buf, len, flags, ...) */
	case 299: /* recvmmsg(fd, vec, vlen, flags, timeout) */
		if (regs->r10 & (MSG_PEEK_ | MSG_ERRQUEUE_))
			return 0;
		send = false;
		break;
	case 47: /* recvmsg(fd, msg, flags) */
		if (regs->dx & (MSG_PEEK_ | MSG_ERRQUEUE_))
			return 0;
		send = false;
		break;
	case 0: case 19:
		send = false;
		break;
	default:
		return 0;
	}
	sk = udp_sock_of((int)regs->di);
	if (!sk || !traced_current())
		return 0;
	k.pid = bpf_get_current_pid_tgid() >> 32;
	socket_ends(&k, sk);

	switch (nr) {
	case 44: /* sendto(fd, buf, len, flags, dest_addr, addrlen) */
		named_peer(&k, (const void *)regs->r8, (__u32)regs->r9);
		count(&k, true, ret);
		break;
	case 45: { /* recvfrom(..., src_addr, *addrlen): the kernel wrote both */
		int alen = 0;
		if (regs->r8 && regs->r9)
			bpf_probe_read_user(&alen, sizeof(alen), (void *)regs->r9);
		if (alen > 0)
			named_peer(&k, (const void *)regs->r8, alen);
		count(&k, false, ret);
		break;
	}
	case 46: case 47:
		count_msghdr(&k, (const struct user_msghdr *)regs->si, send, ret);
		break;
	case 307: case 299: { /* ret: vector entries sent or received, msg_len of each set */
		struct mmsg_walk w = {.base = &k, .vec = (struct mmsghdr *)regs->si, .send = send};
		bpf_loop(ret < MAX_MMSG ? ret : MAX_MMSG, mmsg_entry, &w, 0);
		break;
	}
	default: /* read/write on the socket: its connected peer */
		if (nr == 0 && regs->dx == 0)
			return 0; /* a zero-length read() returns 0 and takes nothing off the queue */
		count(&k, send, ret);
	}
	return 0;
}
