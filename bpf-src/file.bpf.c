// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File system changes, one record each, from the syscall exit tracepoint (no kprobes or fentry on
 * the kernels akmon targets, so the syscalls' own arguments are the source, as in Falco):
 *   create, open   creat, open, openat, openat2 with O_WRONLY, O_RDWR, O_CREAT or O_TRUNC
 *                  (create when the open created the file: FMODE_CREATED on the file it returned)
 *   unlink         unlink, unlinkat          rmdir    rmdir, unlinkat(AT_REMOVEDIR)
 *   rename         rename, renameat, renameat2
 *   mkdir          mkdir, mkdirat            truncate truncate, ftruncate
 *   chmod          chmod, fchmod, fchmodat, fchmodat2
 *   chown          chown, fchown, lchown, fchownat
 * At the exit the arguments are still in the saved registers and the kernel has just read the path
 * strings, so their pages are present. A relative path is joined to the cwd or the dirfd's directory,
 * read from the dentry tree; when that cannot be done the path is sent as given, marked relative.
 * path_filters (an LPM trie of prefixes) drops records before they are sent.
 */
#include "common.bpf.h"

#define AT_FDCWD_ -100
#define AT_REMOVEDIR_ 0x200
#define AT_EMPTY_PATH_ 0x1000
#define O_ACCMODE_ 3
#define O_CREAT_ 0100
#define O_TRUNC_ 01000
#define FMODE_CREATED_ 0x100000
#define PATH_MASK (AKMON_PATH_LEN - 1)
#define MAX_DEPTH 40 /* dentries and mount crossings walked per path */
#define NAME_MAX_ 255

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__type(key, struct akmon_path_filter_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} path_filters SEC(".maps");

/* Bytes read and written per process, descriptor kind and direction (see akmon.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct akmon_file_io_key);
	__type(value, struct akmon_file_io_val);
} file_io SEC(".maps");

/* Where a directory's path is built backwards ([off, AKMON_PATH_LEN)) with the relative part after it. */
struct path_buf {
	char buf[AKMON_PATH_LEN * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_buf);
} path_scratch SEC(".maps");

/*
 * Writes the path of (dentry, vfsmount) backwards so that it ends at buf[AKMON_PATH_LEN]; returns where
 * it starts, AKMON_PATH_LEN for the root, or -1 when it is too deep, too long or not in the tree.
 */
static __always_inline int dentry_path(struct dentry *d, struct vfsmount *vfsmnt, char *buf)
{
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	int off = AKMON_PATH_LEN;

	for (int i = 0; i < MAX_DEPTH; i++) {
		struct dentry *root = BPF_CORE_READ(mnt, mnt.mnt_root);
		struct dentry *parent = BPF_CORE_READ(d, d_parent);

		if (d == root || d == parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (d != root || up == mnt)
				return d == root ? off : -1;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		__u32 len = BPF_CORE_READ(d, d_name.len);
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		if (len > NAME_MAX_ || (int)len + 1 >= off)
			return -1;
		off -= len;
		bpf_probe_read_kernel(buf + (off & PATH_MASK), len & NAME_MAX_, name);
		off--;
		buf[off & PATH_MASK] = '/';
		d = parent;
	}
	return -1;
}

/*
 * Fills out (AKMON_PATH_LEN bytes) with upath resolved against base (NULL: the cwd), or, when upath
 * is NULL or empty, with base itself. Returns the length; sets *flags' relative or truncated bit.
 */
static __always_inline int resolve(const char *upath, struct path *base, char *out, __u16 *flags,
				   __u16 relative, __u16 truncated)
{
	__u32 zero = 0;
	struct path_buf *s;
	struct dentry *d;
	struct vfsmount *m;
	char first = 0;
	int n = 0, off, rel = 0, total;

	if (upath) {
		bpf_probe_read_user(&first, 1, upath);
		if (first == '/') {
			n = bpf_probe_read_user_str(out, AKMON_PATH_LEN, upath);
			if (n <= 0)
				return 0;
			if (n == AKMON_PATH_LEN)
				*flags |= truncated;
			return n - 1;
		}
	}
	s = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!s)
		return 0;
	if (!base) {
		struct task_struct *task = bpf_get_current_task_btf();
		d = BPF_CORE_READ(task, fs, pwd.dentry);
		m = BPF_CORE_READ(task, fs, pwd.mnt);
	} else {
		d = BPF_CORE_READ(base, dentry);
		m = BPF_CORE_READ(base, mnt);
	}
	off = dentry_path(d, m, s->buf);
	if (first) {
		s->buf[AKMON_PATH_LEN] = '/';
		rel = bpf_probe_read_user_str(s->buf + AKMON_PATH_LEN + 1, NAME_MAX_ + 1, upath);
		if (rel <= 0)
			rel = 1;
		if (rel == NAME_MAX_ + 1)
			*flags |= truncated;
	}
	if (off < 0) { /* no directory to join: keep what the process gave */
		*flags |= relative;
		n = upath ? bpf_probe_read_user_str(out, AKMON_PATH_LEN, upath) : 0;
		return n > 0 ? n - 1 : 0;
	}
	if (off == AKMON_PATH_LEN && rel <= 1) { /* the root itself */
		out[0] = '/';
		out[1] = 0;
		return 1;
	}
	/* [off, AKMON_PATH_LEN) the directory (empty for the root), then "/name" when there is one */
	total = AKMON_PATH_LEN - off + (rel > 1 ? rel : 0);
	if (total > AKMON_PATH_LEN - 1) {
		total = AKMON_PATH_LEN - 1;
		*flags |= truncated;
	}
	if (total < 0)
		return 0;
	bpf_probe_read_kernel(out, total & PATH_MASK, s->buf + (off & (2 * AKMON_PATH_LEN - 1)));
	out[total & PATH_MASK] = 0;
	return total;
}

/* The prefix filters' verdict on one path: whether to send it. */
static __always_inline bool path_wanted(__u32 *key, char *path, int len)
{
	__u8 *verdict;

	if (len < AKMON_PATH_KEY_LEN) { /* compare "path/", so "/proc" matches the prefix "/proc/" too */
		path[len & PATH_MASK] = '/';
		*key = (len + 1) * 8;
	} else {
		*key = AKMON_PATH_KEY_LEN * 8;
	}
	verdict = bpf_map_lookup_elem(&path_filters, key);
	if (len < AKMON_PATH_KEY_LEN)
		path[len & PATH_MASK] = 0;
	*key = 0;
	return !verdict || *verdict != AKMON_PATH_EXCLUDE;
}

struct file_call {
	__u16 op;
	__u32 mode;
	const char *path;   /* NULL: the path is base's (fchmod, fchown, ftruncate) */
	int dirfd;          /* AT_FDCWD_ or a descriptor the path is relative to */
	int fd;             /* >= 0: base is this descriptor's file */
	const char *path2;
	int dirfd2;
};

/* Decodes the syscalls this family reports; false for every other syscall (the common case). */
static __always_inline bool file_call(struct pt_regs *regs, long nr, long ret, struct file_call *c)
{
	__u64 a0 = regs->di, a1 = regs->si, a2 = regs->dx, a3 = regs->r10, flags;
	struct file *f;

	c->dirfd = AT_FDCWD_;
	c->fd = -1;
	c->path2 = NULL;
	c->dirfd2 = AT_FDCWD_;
	c->mode = 0;
	switch (nr) {
	case 2:   /* open(path, flags, mode) */
	case 257: /* openat(dirfd, path, flags, mode) */
	case 437: /* openat2(dirfd, path, how, size) */
	case 85:  /* creat(path, mode) */
		if (nr == 2) {
			c->path = (const char *)a0;
			flags = a1;
		} else if (nr == 85) {
			c->path = (const char *)a0;
			flags = O_CREAT_ | O_TRUNC_ | 1;
		} else {
			c->dirfd = (int)a0;
			c->path = (const char *)a1;
			flags = a2;
			if (nr == 437)
				bpf_probe_read_user(&flags, sizeof(flags), (void *)a2);
		}
		if (!(flags & (O_ACCMODE_ | O_CREAT_ | O_TRUNC_)))
			return false; /* read-only opens are not changes */
		c->mode = flags;
		if (ret >= 0) {
			f = fd_file(ret);
			c->op = f && (BPF_CORE_READ(f, f_mode) & FMODE_CREATED_) ? AKMON_FILE_CREATE : AKMON_FILE_OPEN;
		} else {
			c->op = flags & O_CREAT_ ? AKMON_FILE_CREATE : AKMON_FILE_OPEN;
		}
		return true;
	case 87:  /* unlink(path) */
	case 84:  /* rmdir(path) */
		c->op = nr == 87 ? AKMON_FILE_UNLINK : AKMON_FILE_RMDIR;
		c->path = (const char *)a0;
		return true;
	case 263: /* unlinkat(dirfd, path, flags) */
		c->op = a2 & AT_REMOVEDIR_ ? AKMON_FILE_RMDIR : AKMON_FILE_UNLINK;
		c->dirfd = (int)a0;
		c->path = (const char *)a1;
		return true;
	case 82:  /* rename(old, new) */
		c->op = AKMON_FILE_RENAME;
		c->path = (const char *)a0;
		c->path2 = (const char *)a1;
		return true;
	case 264: /* renameat(olddirfd, old, newdirfd, new) */
	case 316: /* renameat2(..., flags) */
		c->op = AKMON_FILE_RENAME;
		c->dirfd = (int)a0;
		c->path = (const char *)a1;
		c->dirfd2 = (int)a2;
		c->path2 = (const char *)a3;
		return true;
	case 83:  /* mkdir(path, mode) */
	case 90:  /* chmod(path, mode) */
		c->op = nr == 83 ? AKMON_FILE_MKDIR : AKMON_FILE_CHMOD;
		c->path = (const char *)a0;
		c->mode = a1;
		return true;
	case 258: /* mkdirat(dirfd, path, mode) */
	case 268: /* fchmodat(dirfd, path, mode) */
	case 452: /* fchmodat2(dirfd, path, mode, flags) */
		c->op = nr == 258 ? AKMON_FILE_MKDIR : AKMON_FILE_CHMOD;
		c->dirfd = (int)a0;
		c->path = (const char *)a1;
		c->mode = a2;
		return true;
	case 91:  /* fchmod(fd, mode) */
		c->op = AKMON_FILE_CHMOD;
		c->path = NULL;
		c->fd = (int)a0;
		c->mode = a1;
		return true;
	case 92:  /* chown(path, uid, gid) */
	case 94:  /* lchown(path, uid, gid) */
		c->op = AKMON_FILE_CHOWN;
		c->path = (const char *)a0;
		c->mode = a1;
		return true;
	case 93:  /* fchown(fd, uid, gid) */
		c->op = AKMON_FILE_CHOWN;
		c->path = NULL;
		c->fd = (int)a0;
		c->mode = a1;
		return true;
	case 260: /* fchownat(dirfd, path, uid, gid, flags) */
		c->op = AKMON_FILE_CHOWN;
		c->dirfd = (int)a0;
		c->path = (const char *)a1;
		c->mode = a2;
		if (regs->r8 & AT_EMPTY_PATH_) { /* the dirfd itself when the path is empty */
			char first = 1;
			bpf_probe_read_user(&first, 1, c->path);
			if (!first) {
				c->path = NULL;
				c->fd = c->dirfd;
			}
		}
		return true;
	case 76:  /* truncate(path, length) */
		c->op = AKMON_FILE_TRUNCATE;
		c->path = (const char *)a0;
		return true;
	case 77:  /* ftruncate(fd, length) */
		c->op = AKMON_FILE_TRUNCATE;
		c->path = NULL;
		c->fd = (int)a0;
		return true;
	default:
		return false;
	}
}

/* The directory (or, for fd calls, the file) a path of the call is relative to; NULL: the cwd. */
static __always_inline struct path *base_of(int fd, int dirfd, const char *path)
{
	struct file *f;

	if (fd >= 0)
		f = fd_file(fd);
	else if (dirfd == AT_FDCWD_)
		return NULL;
	else
		f = fd_file(dirfd);
	return f ? (struct path *)&f->f_path : (struct path *)-1L;
}

#define S_IFMT_ 0170000
#define S_IFREG_ 0100000
#define S_IFSOCK_ 0140000
#define S_IFIFO_ 0010000

static __always_inline void count_io(int fd, __u32 op, long bytes)
{
	struct akmon_file_io_key key = {.pid = bpf_get_current_pid_tgid() >> 32, .op = op};
	struct akmon_file_io_val zero = {}, *v;
	struct file *f = fd_file(fd);
	__u32 mode = f ? BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT_ : 0;

	key.kind = mode == S_IFREG_ ? AKMON_FD_FILE : mode == S_IFSOCK_ ? AKMON_FD_SOCKET
		 : mode == S_IFIFO_ ? AKMON_FD_PIPE : AKMON_FD_OTHER;
	v = lookup_or_init(&file_io, &key, &zero, AKMON_DROP_FILE_IO_MAP);
	if (!v)
		return;
	__sync_fetch_and_add(&v->ops, 1);
	__sync_fetch_and_add(&v->bytes, bytes);
	mark_changed(&v->epoch, AKMON_CHANGED_FILE_IO, key.pid, key.kind, op);
}

/*
 * Bytes moved by read/write-family calls, from their return values: read, pread64, readv, preadv(2)
 * read from a0; the write ones write to a0; sendfile reads a1 and writes a0, splice reads a0 and
 * writes a2. Returns whether nr is one of them.
 */
static __always_inline bool io_call(struct pt_regs *regs, long nr, long ret)
{
	switch (nr) {
	case 0: case 17: case 19: case 295: case 327:
	case 1: case 18: case 20: case 296: case 328:
	case 40: case 275:
		break;
	default:
		return false;
	}
	if (ret <= 0 || !traced_current())
		return true;
	switch (nr) {
	case 0: case 17: case 19: case 295: case 327:
		count_io((int)regs->di, AKMON_DISK_READ, ret);
		break;
	case 40:
		count_io((int)regs->si, AKMON_DISK_READ, ret);
		count_io((int)regs->di, AKMON_DISK_WRITE, ret);
		break;
	case 275:
		count_io((int)regs->di, AKMON_DISK_READ, ret);
		count_io((int)regs->dx, AKMON_DISK_WRITE, ret);
		break;
	default:
		count_io((int)regs->di, AKMON_DISK_WRITE, ret);
	}
	return true;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(akmon_file_exit, struct pt_regs *regs, long ret)
{
	struct file_call c;
	struct akmon_file *r;
	struct path *base;
	__u32 zero = 0;
	__u64 id;
	int len;

	if (io_call(regs, regs->orig_ax, ret))
		return 0;
	if (!file_call(regs, regs->orig_ax, ret, &c))
		return 0;
	if (!traced_current())
		return 0;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	id = bpf_get_current_pid_tgid();
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->ret = ret;
	r->op = c.op;
	r->flags = 0;
	r->nr = regs->orig_ax;
	r->mode = c.mode;
	r->pad = 0;
	current_process_comm(r->comm);

	base = base_of(c.fd, c.dirfd, c.path);
	if (base == (struct path *)-1L) { /* a descriptor that is gone or never was: no directory */
		r->flags |= AKMON_FILE_PATH_RELATIVE;
		len = c.path ? bpf_probe_read_user_str(r->path, AKMON_PATH_LEN, c.path) - 1 : -1;
		if (len < 0) {
			len = 0;
			r->path[0] = 0;
		}
	} else {
		len = resolve(c.path, base, r->path, &r->flags, AKMON_FILE_PATH_RELATIVE, AKMON_FILE_PATH_TRUNCATED);
	}
	r->path_len = len;
	bool wanted = path_wanted(&r->path_key, r->path, len);

	r->path2_len = 0;
	r->path2[0] = 0;
	r->path2_key = 0;
	if (c.path2) {
		base = base_of(-1, c.dirfd2, c.path2);
		if (base == (struct path *)-1L) {
			r->flags |= AKMON_FILE_PATH2_RELATIVE;
			len = bpf_probe_read_user_str(r->path2, AKMON_PATH_LEN, c.path2) - 1;
			if (len < 0) {
				len = 0;
				r->path2[0] = 0;
			}
		} else {
			len = resolve(c.path2, base, r->path2, &r->flags, AKMON_FILE_PATH2_RELATIVE,
				      AKMON_FILE_PATH2_TRUNCATED);
		}
		r->path2_len = len;
		/* a rename is reported when either name is wanted: moving a file into /etc matters */
		wanted = path_wanted(&r->path2_key, r->path2, len) || wanted;
	}
	if (!wanted)
		return 0;
	emit(ctx, r, sizeof(*r), AKMON_REC_FILE);
	return 0;
}
