// Workloads with known kernel-visible effects, for the agent's integration tests.
//
// Protocol: the workload prepares, prints "ready <pid>", waits for a line on stdin, does its work,
// prints "done [details]", then waits for stdin to close before it exits 0. The test starts the
// agent for that pid between "ready" and the go line, and can read /proc while the workload waits.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(99); }

static void gate(void) {
	char line[64];
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) exit(98);
}

static void finish(const char *details) {
	char line[64];
	printf("done %s\n", details);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {}
	exit(0);
}

// spawn N CODE: N children, each exec'ing "workload exit CODE".
static void spawn(const char *self, int n, const char *code) {
	gate();
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) die("fork");
		if (p == 0) {
			execl(self, self, "exit", code, (char *)NULL);
			die("exec");
		}
	}
	for (int i = 0; i < n; i++) wait(NULL);
	finish("");
}

static long calls;
static void *getppid_loop(void *arg) {
	(void)arg;
	for (long i = 0; i < calls; i++) syscall(SYS_getppid);
	return NULL;
}

// getppid K: one thread makes exactly K getppid calls.
static void getppid_calls(long k) {
	pthread_t t;
	gate();
	calls = k;
	if (pthread_create(&t, NULL, getppid_loop, NULL)) die("pthread_create");
	pthread_join(t, NULL);
	finish("");
}

// odirect PATH BYTES: the file is written and synced first, so the measured O_DIRECT overwrite moves
// exactly BYTES of data from this process to the device and allocates nothing.
static void odirect(const char *path, long bytes) {
	void *buf;
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0) die("open");
	if (posix_memalign(&buf, 4096, 1 << 20)) die("memalign");
	memset(buf, 0xab, 1 << 20);
	for (long done = 0; done < bytes;) {
		long n = bytes - done < (1 << 20) ? bytes - done : (1 << 20);
		if (write(fd, buf, n) != n) die("write");
		done += n;
	}
	if (fsync(fd)) die("fsync");
	close(fd);
	fd = open(path, O_WRONLY | O_DIRECT);
	if (fd < 0) die("open O_DIRECT");
	gate();
	for (long done = 0; done < bytes;) {
		long n = bytes - done < (1 << 20) ? bytes - done : (1 << 20);
		if (pwrite(fd, buf, n, done) != n) die("pwrite");
		done += n;
	}
	close(fd);
	finish("");
}

static int listener;
static long received;
static void *serve(void *arg) {
	char buf[65536];
	long n;
	(void)arg;
	int c = accept(listener, NULL, NULL);
	if (c < 0) die("accept");
	while ((n = read(c, buf, sizeof(buf))) > 0) received += n;
	close(c);
	return NULL;
}

// tcp BYTES: a loopback connection within this process carries BYTES from client to server.
static void tcp(long bytes) {
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	char buf[65536], details[64];
	pthread_t t;
	memset(buf, 'x', sizeof(buf));
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) || listen(listener, 1)) die("listen");
	if (getsockname(listener, (struct sockaddr *)&addr, &len)) die("getsockname");
	gate();
	if (pthread_create(&t, NULL, serve, NULL)) die("pthread_create");
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&addr, sizeof(addr))) die("connect");
	struct sockaddr_in local;
	len = sizeof(local);
	getsockname(c, (struct sockaddr *)&local, &len);
	for (long done = 0; done < bytes;) {
		long n = bytes - done < (long)sizeof(buf) ? bytes - done : (long)sizeof(buf);
		long w = write(c, buf, n);
		if (w <= 0) die("write");
		done += w;
	}
	shutdown(c, SHUT_WR);
	pthread_join(t, NULL); // the server has read everything, our FIN included: no more retransmits
	struct tcp_info info;
	socklen_t ilen = sizeof(info);
	if (getsockopt(c, IPPROTO_TCP, TCP_INFO, &info, &ilen)) die("TCP_INFO");
	close(c);
	if (received != bytes) { fprintf(stderr, "received %ld of %ld\n", received, bytes); exit(97); }
	snprintf(details, sizeof(details), "%d %d %u", ntohs(local.sin_port), ntohs(addr.sin_port), info.tcpi_total_retrans);
	close(listener);
	finish(details);
}

static long long cpu_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// write PATH MB: buffered 4 KiB writes of MB megabytes, then fsync.
static void write_file(const char *path, long mb) {
	char buf[4096];
	memset(buf, 'w', sizeof(buf));
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0) die("open");
	gate();
	for (long i = 0; i < (mb << 20) / (long)sizeof(buf); i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) die("write");
	if (fsync(fd)) die("fsync");
	close(fd);
	finish("");
}

// forks N: N children that exit at once (fork and exit records, no exec), in batches of 64.
static void forks(long n) {
	gate();
	for (long i = 0; i < n; i += 64) {
		long batch = n - i < 64 ? n - i : 64;
		for (long j = 0; j < batch; j++) {
			pid_t p = fork();
			if (p < 0) die("fork");
			if (p == 0) _exit(0);
		}
		for (long j = 0; j < batch; j++) wait(NULL);
	}
	finish("");
}

// burn MS: spin until this process has used MS milliseconds of CPU, then wait.
static void burn(long ms) {
	gate();
	long long end = cpu_ns() + ms * 1000000LL;
	volatile unsigned long x = 0;
	while (cpu_ns() < end)
		for (int i = 0; i < 100000; i++) x++;
	finish("");
}

// alloc MB: touch MB of fresh memory, then wait with it resident.
static void alloc(long mb) {
	gate();
	char *p = malloc(mb << 20);
	if (!p) die("malloc");
	for (long i = 0; i < (mb << 20); i += 4096) p[i] = 1;
	finish("");
}

// files DIR N: in DIR (made first, then the cwd), N times: create "fI" (relative to the cwd), rename it to
// "gI" (renameat, relative to a dirfd of DIR), chmod it, truncate it, chown it to its owner, unlink it;
// then mkdir "d", rmdir it, one failing unlink of "missing" (ENOENT), and N creates and unlinks under
// "skip/" (for an exclude filter). Also opens "f0ro" read-only (not a change) before the work.
static void files(const char *dir, long n) {
	char a[64], b[64];
	if (mkdir(dir, 0700) && errno != EEXIST) die("mkdir");
	if (chdir(dir)) die("chdir");
	if (mkdir("skip", 0700) && errno != EEXIST) die("mkdir skip");
	int ro = open("f0ro", O_CREAT | O_WRONLY, 0600);
	if (ro < 0) die("open ro");
	close(ro);
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	if (dfd < 0) die("open dir");
	gate();
	ro = open("f0ro", O_RDONLY);
	if (ro < 0) die("open ro");
	close(ro);
	for (long i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "f%ld", i);
		snprintf(b, sizeof(b), "g%ld", i);
		int fd = open(a, O_CREAT | O_EXCL | O_WRONLY, 0600);
		if (fd < 0) die("create");
		close(fd);
		if (renameat(dfd, a, dfd, b)) die("rename");
		if (chmod(b, 0640)) die("chmod");
		if (truncate(b, 0)) die("truncate");
		if (chown(b, getuid(), getgid())) die("chown");
		if (unlink(b)) die("unlink");
	}
	if (mkdir("d", 0700)) die("mkdir d");
	if (rmdir("d")) die("rmdir d");
	if (unlink("missing") == 0 || errno != ENOENT) die("unlink missing");
	for (long i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "skip/s%ld", i);
		int fd = open(a, O_CREAT | O_EXCL | O_WRONLY, 0600);
		if (fd < 0) die("create skip");
		close(fd);
		if (unlink(a)) die("unlink skip");
	}
	close(dfd);
	finish("");
}

// fileio PATH BYTES PIPE: writes and caches a file of BYTES bytes, then after go reads it whole with
// read() (64 KiB at a time), pwrite()s BYTES/2 bytes into a second file PATH.w, and pushes PIPE bytes
// through a pipe (write, then read back).
static void fileio(const char *path, long bytes, long pipe_bytes) {
	static char buf[65536];
	char wpath[4096];
	int p[2];
	memset(buf, 'r', sizeof(buf));
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0) die("open");
	for (long left = bytes; left > 0;) {
		long n = left < (long)sizeof(buf) ? left : (long)sizeof(buf);
		if (write(fd, buf, n) != n) die("write");
		left -= n;
	}
	if (fsync(fd)) die("fsync");
	if (lseek(fd, 0, SEEK_SET)) die("lseek");
	while (read(fd, buf, sizeof(buf)) > 0) {} // now in the page cache
	snprintf(wpath, sizeof(wpath), "%s.w", path);
	int wfd = open(wpath, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (wfd < 0) die("open w");
	if (pipe(p)) die("pipe");
	gate();
	if (lseek(fd, 0, SEEK_SET)) die("lseek");
	long got = 0, n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) got += n;
	if (got != bytes) die("short read");
	for (long off = 0; off < bytes / 2;) {
		long c = bytes / 2 - off < (long)sizeof(buf) ? bytes / 2 - off : (long)sizeof(buf);
		if (pwrite(wfd, buf, c, off) != c) die("pwrite");
		off += c;
	}
	for (long off = 0; off < pipe_bytes;) {
		long c = pipe_bytes - off < 4096 ? pipe_bytes - off : 4096;
		if (write(p[1], buf, c) != c) die("pipe write");
		if (read(p[0], buf, c) != c) die("pipe read");
		off += c;
	}
	close(fd);
	close(wfd);
	finish("");
}

// udp N: known datagrams over loopback, each sent and received before the next, so none is dropped.
// Sizes are udp_size(i) (0 included). Prints "A B C D E", the ports of:
//   A 127.0.0.1, unconnected: recvfrom N from B (sendto), sendmsg N to B (recvmsg), recvmmsg 24 from B
//     (sendmmsg, 3 x 8), and recv (no source address asked) N from C, each peeked first;
//   C 127.0.0.1, connected to A: write N; D, E on ::1: D sendto E N, E recvfrom.
static long udp_size(long i) { return (i * 37) % 1401; }

static int udp_bound(int family, struct sockaddr_storage *addr) {
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	memset(addr, 0, sizeof(*addr));
	if (family == AF_INET) {
		((struct sockaddr_in *)addr)->sin_family = AF_INET;
		((struct sockaddr_in *)addr)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		((struct sockaddr_in6 *)addr)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)addr)->sin6_addr = in6addr_loopback;
	}
	int s = socket(family, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)addr, len) || getsockname(s, (struct sockaddr *)addr, &len)) die("udp bind");
	return s;
}

static int udp_port(struct sockaddr_storage *a) {
	return ntohs(a->ss_family == AF_INET ? ((struct sockaddr_in *)a)->sin_port : ((struct sockaddr_in6 *)a)->sin6_port);
}

static void udp_expect(long got, long want, const char *what) {
	if (got != want) { fprintf(stderr, "%s: %ld, expected %ld\n", what, got, want); exit(97); }
}

static void udp(long n) {
	static char buf[2048], rbuf[2048];
	struct sockaddr_storage aa, ba, ca, da, ea, from;
	socklen_t fl;
	char details[64];
	memset(buf, 'u', sizeof(buf));
	int a = udp_bound(AF_INET, &aa), b = udp_bound(AF_INET, &ba), c = udp_bound(AF_INET, &ca);
	int d = udp_bound(AF_INET6, &da), e = udp_bound(AF_INET6, &ea);
	if (connect(c, (struct sockaddr *)&aa, sizeof(struct sockaddr_in))) die("udp connect");
	gate();
	for (long i = 0; i < n; i++) {
		udp_expect(sendto(b, buf, udp_size(i), 0, (struct sockaddr *)&aa, sizeof(struct sockaddr_in)), udp_size(i), "sendto");
		fl = sizeof(from);
		udp_expect(recvfrom(a, rbuf, sizeof(rbuf), 0, (struct sockaddr *)&from, &fl), udp_size(i), "recvfrom");
		udp_expect(udp_port(&from), udp_port(&ba), "recvfrom source");
	}
	for (long i = 0; i < n; i++) {
		struct iovec iov = {.iov_base = buf, .iov_len = udp_size(i + 1)};
		struct msghdr m = {.msg_name = &ba, .msg_namelen = sizeof(struct sockaddr_in), .msg_iov = &iov, .msg_iovlen = 1};
		udp_expect(sendmsg(a, &m, 0), udp_size(i + 1), "sendmsg");
		struct iovec riov = {.iov_base = rbuf, .iov_len = sizeof(rbuf)};
		struct msghdr r = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &riov, .msg_iovlen = 1};
		udp_expect(recvmsg(b, &r, 0), udp_size(i + 1), "recvmsg");
	}
	for (int round = 0; round < 3; round++) {
		struct mmsghdr out[8], in[8];
		struct iovec oiov[8], iiov[8];
		static char rbufs[8][2048];
		struct sockaddr_storage froms[8];
		memset(out, 0, sizeof(out));
		memset(in, 0, sizeof(in));
		for (int j = 0; j < 8; j++) {
			oiov[j] = (struct iovec){.iov_base = buf, .iov_len = udp_size(100 + round * 8 + j)};
			out[j].msg_hdr = (struct msghdr){.msg_name = &aa, .msg_namelen = sizeof(struct sockaddr_in), .msg_iov = &oiov[j], .msg_iovlen = 1};
			iiov[j] = (struct iovec){.iov_base = rbufs[j], .iov_len = sizeof(rbufs[j])};
			in[j].msg_hdr = (struct msghdr){.msg_name = &froms[j], .msg_namelen = sizeof(froms[j]), .msg_iov = &iiov[j], .msg_iovlen = 1};
		}
		udp_expect(sendmmsg(b, out, 8, 0), 8, "sendmmsg");
		udp_expect(recvmmsg(a, in, 8, 0, NULL), 8, "recvmmsg");
		for (int j = 0; j < 8; j++) udp_expect(in[j].msg_len, udp_size(100 + round * 8 + j), "recvmmsg length");
	}
	for (long i = 0; i < n; i++) {
		udp_expect(write(c, buf, udp_size(i + 7)), udp_size(i + 7), "write");
		udp_expect(recv(a, rbuf, sizeof(rbuf), MSG_PEEK), udp_size(i + 7), "peek");
		udp_expect(recv(a, rbuf, sizeof(rbuf), 0), udp_size(i + 7), "recv");
	}
	for (long i = 0; i < n; i++) {
		udp_expect(sendto(d, buf, udp_size(i + 3), 0, (struct sockaddr *)&ea, sizeof(struct sockaddr_in6)), udp_size(i + 3), "sendto6");
		fl = sizeof(from);
		udp_expect(recvfrom(e, rbuf, sizeof(rbuf), 0, (struct sockaddr *)&from, &fl), udp_size(i + 3), "recvfrom6");
	}
	snprintf(details, sizeof(details), "%d %d %d %d %d", udp_port(&aa), udp_port(&ba), udp_port(&ca), udp_port(&da), udp_port(&ea));
	close(a); close(b); close(c); close(d); close(e);
	finish(details);
}

int main(int argc, char **argv) {
	if (argc >= 3 && !strcmp(argv[1], "exit")) return atoi(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "spawn")) spawn(argv[0], atoi(argv[2]), argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "getppid")) getppid_calls(atol(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "odirect")) odirect(argv[2], atol(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "tcp")) tcp(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "udp")) udp(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "burn")) burn(atol(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "write")) write_file(argv[2], atol(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "forks")) forks(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "alloc")) alloc(atol(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "files")) files(argv[2], atol(argv[3]));
	if (argc >= 5 && !strcmp(argv[1], "fileio")) fileio(argv[2], atol(argv[3]), atol(argv[4]));
	fprintf(stderr, "usage: workload exit CODE | spawn N CODE | getppid K | odirect PATH BYTES | tcp BYTES | udp N | burn MS"
			" | alloc MB | write PATH MB | forks N | files DIR N | fileio PATH BYTES PIPE\n");
	return 2;
}
