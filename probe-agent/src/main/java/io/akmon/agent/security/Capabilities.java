package io.akmon.agent.security;

import io.akmon.agent.loader.ProbeException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Linux capabilities of the agent: what it holds (from /proc) and dropping what it no longer needs
 * once its programs are attached. Capabilities belong to threads, not processes, so the drop is
 * made on every thread of the JVM (see akmon_security.c).
 */
public final class Capabilities {
    public static final int CAP_DAC_OVERRIDE = 1;
    public static final int CAP_DAC_READ_SEARCH = 2;
    public static final int CAP_SYS_PTRACE = 19;
    public static final int CAP_SYS_ADMIN = 21;
    public static final int CAP_SYS_RESOURCE = 24;
    public static final int CAP_PERFMON = 38;
    public static final int CAP_BPF = 39;

    private static final String[] NAMES = {"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
        "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
        "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin",
        "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
        "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend",
        "audit_read", "perfmon", "bpf", "checkpoint_restore"};

    private Capabilities() {
    }

    /** The capability sets of one thread, as /proc/PID/status shows them. */
    public record Sets(long inheritable, long permitted, long effective, long bounding, long ambient) {
        public boolean hasEffective(int cap) {
            return (effective & bit(cap)) != 0;
        }
    }

    public static long bit(int cap) {
        return 1L << cap;
    }

    /** The sets of the calling thread. */
    public static Sets ofCurrentThread() {
        return read(Path.of("/proc/thread-self/status"));
    }

    /** The sets of a process's main thread (what {@code /proc/PID/status} shows). */
    public static Sets ofProcess(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "status"));
    }

    /** The sets of every thread of a process, by thread id. */
    public static Map<Long, Sets> ofEveryThread(long pid) throws IOException {
        Map<Long, Sets> out = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    out.put(Long.parseLong(task.getFileName().toString()), read(task.resolve("status")));
                } catch (ProbeException gone) {
                    // the thread ended while listing
                }
            }
        }
        return out;
    }

    static Sets read(Path status) {
        long[] v = new long[5];
        String[] keys = {"CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"};
        try {
            for (String line : Files.readAllLines(status)) {
                for (int i = 0; i < keys.length; i++) {
                    if (line.startsWith(keys[i])) {
                        v[i] = Long.parseUnsignedLong(line.substring(keys[i].length()).trim(), 16);
                    }
                }
            }
        } catch (IOException e) {
            throw new ProbeException("cannot read " + status + ": " + e.getMessage(), "mount /proc");
        }
        return new Sets(v[0], v[1], v[2], v[3], v[4]);
    }

    /** Names as capsh prints them, e.g. {@code cap_bpf,cap_perfmon}; empty for none. */
    public static String names(long mask) {
        List<String> out = new ArrayList<>();
        for (int cap = 0; cap < 64; cap++) {
            if ((mask & bit(cap)) != 0) {
                out.add("cap_" + (cap < NAMES.length ? NAMES[cap] : Integer.toString(cap)));
            }
        }
        return String.join(",", out);
    }

    /**
     * Keeps only {@code keep} (of what is held) in the effective, permitted and inheritable sets of
     * every thread; the ambient set follows the permitted one. Irreversible for the process.
     *
     * @return the calling thread's sets afterwards
     */
    public static Sets keepOnly(long keep) {
        Sets before = ofCurrentThread();
        long permitted = before.permitted() & keep;
        long effective = before.effective() & keep;
        long inheritable = before.inheritable() & keep;
        int rc = SecurityLib.Holder.get().akmon_set_capabilities_all_threads(effective, permitted, inheritable);
        if (rc < 0) {
            throw new ProbeException("cannot drop capabilities on every thread (errno " + -rc + ")",
                    "report this; the agent refuses to run with capabilities it cannot drop");
        }
        return ofCurrentThread();
    }
}
