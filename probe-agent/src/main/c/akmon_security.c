// Sets the capability sets of every thread of this process.
//
// capset(2) changes only the calling thread, and a JVM has many threads it never lets Java code run
// on (the launcher's primordial thread, GC, JIT compilers). So this signals each thread listed in
// /proc/self/task with a reserved real-time signal whose handler makes the capset call on that
// thread, and repeats until a listing shows no thread that has not done so (threads created
// meanwhile by a thread that had not yet dropped are caught by the next listing). The same idea as
// glibc's setxid broadcast and libcap's psx, which needs to wrap pthread_create and so cannot see
// the JVM's threads.
//
// Built by probe-agent's Maven build into the agent jar; loaded through JNR-FFI (agent.security).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 8192

static struct __user_cap_header_struct header;
static struct __user_cap_data_struct data[2];
static atomic_int done_count;
static atomic_int failures;
static pid_t done_tids[MAX_THREADS];

static pid_t gettid_raw(void) {
    return (pid_t) syscall(SYS_gettid);
}

static void on_signal(int sig, siginfo_t *info, void *context) {
    (void) sig; (void) info; (void) context;
    int saved = errno;
    if (syscall(SYS_capset, &header, data) != 0) {
        atomic_fetch_add(&failures, 1);
    }
    int i = atomic_fetch_add(&done_count, 1);
    if (i < MAX_THREADS) {
        done_tids[i] = gettid_raw();
    }
    errno = saved;
}

static int is_done(pid_t tid) {
    int n = atomic_load(&done_count);
    for (int i = 0; i < n && i < MAX_THREADS; i++) {
        if (done_tids[i] == tid) {
            return 1;
        }
    }
    return 0;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A real-time signal nobody handles yet (the JDK's own I/O wakeup uses SIGRTMAX-2), or -1. */
static int free_signal(void) {
    for (int sig = SIGRTMAX - 4; sig > SIGRTMIN + 4; sig--) {
        struct sigaction current;
        if (sigaction(sig, NULL, &current) == 0 && !(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_DFL) {
            return sig;
        }
    }
    return -1;
}

/*
 * Sets effective, permitted and inheritable capabilities (bit masks, capability numbers as in
 * linux/capability.h) on every thread. Returns the number of threads changed, or -errno: -EPERM if
 * some thread's capset failed, -ETIMEDOUT if some thread never ran the handler, -EAGAIN if no
 * real-time signal is free to carry the change.
 */
int akmon_set_capabilities_all_threads(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    int signo = free_signal();
    if (signo < 0) {
        return -EAGAIN;
    }
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    data[0].effective = (uint32_t) effective;
    data[1].effective = (uint32_t) (effective >> 32);
    data[0].permitted = (uint32_t) permitted;
    data[1].permitted = (uint32_t) (permitted >> 32);
    data[0].inheritable = (uint32_t) inheritable;
    data[1].inheritable = (uint32_t) (inheritable >> 32);
    atomic_store(&done_count, 0);
    atomic_store(&failures, 0);

    struct sigaction action, previous;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(signo, &action, &previous) != 0) {
        return -errno;
    }
    pid_t self = gettid_raw();
    pid_t pid = getpid();
    static pid_t pending[MAX_THREADS];
    for (int round = 0;; round++) {
        if (round > 100) {
            return -ETIMEDOUT; // the handler stays installed: a signal still in flight must not kill us
        }
        DIR *dir = opendir("/proc/self/task");
        if (dir == NULL) {
            return -errno;
        }
        int sent = 0;
        struct dirent *e;
        while ((e = readdir(dir)) != NULL && sent < MAX_THREADS) {
            pid_t tid = (pid_t) strtol(e->d_name, NULL, 10);
            if (tid <= 0 || tid == self || is_done(tid)) {
                continue;
            }
            if (syscall(SYS_tgkill, pid, tid, signo) == 0) {
                pending[sent++] = tid;
            }
        }
        closedir(dir);
        if (sent == 0) {
            break;
        }
        // every signalled thread either runs the handler or has ended meanwhile
        for (long waited = 0; waited < 5000; waited++) {
            int open = 0;
            for (int i = 0; i < sent; i++) {
                if (pending[i] != 0 && (is_done(pending[i]) || syscall(SYS_tgkill, pid, pending[i], 0) != 0)) {
                    pending[i] = 0;
                }
                open += pending[i] != 0;
            }
            if (open == 0) {
                break;
            }
            sleep_ms(1);
        }
        if (atomic_load(&done_count) >= MAX_THREADS) {
            return -E2BIG;
        }
    }
    if (syscall(SYS_capset, &header, data) != 0) {
        atomic_fetch_add(&failures, 1);
    }
    sigaction(signo, &previous, NULL);
    if (atomic_load(&failures) > 0) {
        return -EPERM;
    }
    return atomic_load(&done_count) + 1;
}
