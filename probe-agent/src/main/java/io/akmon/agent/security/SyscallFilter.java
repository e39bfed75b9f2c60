package io.akmon.agent.security;

import io.akmon.agent.loader.ProbeException;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's system-call allow-list (seccomp, through libseccomp): once installed, on every thread
 * of the JVM, any call not in {@code syscalls.allow} fails with EPERM, and {@code bpf} is limited to
 * reading and updating the maps that are already open and test-running the CPU flush program.
 * It cannot be removed again.
 */
public final class SyscallFilter {
    /** The bpf(2) commands a running agent uses (uapi/linux/bpf.h enum bpf_cmd). */
    static final int[] BPF_COMMANDS = {
        1,  // BPF_MAP_LOOKUP_ELEM
        2,  // BPF_MAP_UPDATE_ELEM
        3,  // BPF_MAP_DELETE_ELEM
        4,  // BPF_MAP_GET_NEXT_KEY
        10, // BPF_PROG_TEST_RUN (the CPU flush before each drain)
        15, // BPF_OBJ_GET_INFO_BY_FD
        21, // BPF_MAP_LOOKUP_AND_DELETE_ELEM
        24, // BPF_MAP_LOOKUP_BATCH
        25, // BPF_MAP_LOOKUP_AND_DELETE_BATCH
        26, // BPF_MAP_UPDATE_BATCH
        27, // BPF_MAP_DELETE_BATCH
    };
    static final int ACT_ALLOW = 0x7fff0000;
    static final int ACT_ERRNO_EPERM = 0x00050000 | 1;
    private static final int ATTR_CTL_NNP = 3;
    private static final int ATTR_CTL_TSYNC = 4;
    private static final int CMP_MASKED_EQ = 7;

    /** The part of libseccomp (2.5) used here. */
    public interface LibSeccomp {
        Pointer seccomp_init(int defaultAction);

        int seccomp_attr_set(Pointer ctx, int attr, int value);

        int seccomp_syscall_resolve_name(String name);

        int seccomp_rule_add_array(Pointer ctx, int action, int syscall, int argCount, Pointer args);

        int seccomp_load(Pointer ctx);

        void seccomp_release(Pointer ctx);
    }

    private SyscallFilter() {
    }

    /** The names in the allow-list resource, in order. */
    public static List<String> allowed() {
        List<String> names = new ArrayList<>();
        try (InputStream in = SyscallFilter.class.getResourceAsStream("syscalls.allow")) {
            if (in == null) {
                throw new IllegalStateException("syscalls.allow missing from the agent jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String name = line.replaceFirst("#.*", "").trim();
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    /**
     * Installs the filter on every thread of this process.
     *
     * @return how many system calls it allows
     */
    public static int install() {
        return install(List.of());
    }

    /**
     * Installs the filter with {@code extra} system calls allowed besides the list: {@code accept} and
     * {@code accept4} while the metrics endpoint serves scrapes on the socket it bound before the filter
     * (bind and listen stay denied, so no new listening socket can be opened).
     *
     * @return how many system calls it allows
     */
    public static int install(List<String> extra) {
        LibSeccomp lib = load();
        Pointer ctx = lib.seccomp_init(ACT_ERRNO_EPERM);
        if (ctx == null) {
            throw new ProbeException("seccomp_init failed", "run a kernel with CONFIG_SECCOMP_FILTER, or leave out --seccomp");
        }
        try {
            check(lib.seccomp_attr_set(ctx, ATTR_CTL_NNP, 1), "set no_new_privs");
            check(lib.seccomp_attr_set(ctx, ATTR_CTL_TSYNC, 1), "apply it to every thread");
            int count = 0;
            List<String> names = new java.util.ArrayList<>(allowed());
            names.addAll(extra);
            for (String name : names) {
                int nr = lib.seccomp_syscall_resolve_name(name);
                if (nr < 0) {
                    continue; // not a system call on this architecture
                }
                if (name.equals("bpf")) {
                    for (int cmd : BPF_COMMANDS) {
                        Pointer cmp = argEquals(0, cmd);
                        check(lib.seccomp_rule_add_array(ctx, ACT_ALLOW, nr, 1, cmp), "allow bpf command " + cmd);
                        java.lang.ref.Reference.reachabilityFence(cmp); // native code holds only its address
                    }
                } else {
                    check(lib.seccomp_rule_add_array(ctx, ACT_ALLOW, nr, 0, null), "allow " + name);
                }
                count++;
            }
            check(lib.seccomp_load(ctx), "load the filter");
            return count;
        } finally {
            lib.seccomp_release(ctx);
        }
    }

    /** One {@code struct scmp_arg_cmp}: the low 32 bits of argument {@code arg} equal {@code value}. */
    private static Pointer argEquals(int arg, long value) {
        Pointer cmp = Memory.allocateDirect(Runtime.getSystemRuntime(), 24, true);
        cmp.putInt(0, arg);
        cmp.putInt(4, CMP_MASKED_EQ);
        cmp.putLong(8, 0xffffffffL); // mask
        cmp.putLong(16, value);
        return cmp;
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new ProbeException("seccomp: cannot " + what + " (errno " + -rc + ")",
                    "run a kernel with CONFIG_SECCOMP_FILTER, or leave out --seccomp");
        }
    }

    private static LibSeccomp load() {
        UnsatisfiedLinkError last = null;
        for (String name : new String[] {"seccomp", "libseccomp.so.2"}) {
            try {
                return LibraryLoader.create(LibSeccomp.class).failImmediately().load(name);
            } catch (UnsatisfiedLinkError e) {
                last = e;
            }
        }
        throw new ProbeException("--seccomp needs libseccomp, which is not installed (" + last.getMessage() + ")",
                "install it: apt-get install libseccomp2 (Debian/Ubuntu) or dnf install libseccomp");
    }
}
