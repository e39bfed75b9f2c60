package io.akmon.agent.loader;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** Loads libbpf and libc once; a missing libbpf gets a message that says how to install it. */
public final class Native {
    private static volatile LibBpf bpf;
    private static volatile LibC libc;

    private Native() {
    }

    public static LibBpf bpf() {
        if (bpf == null) {
            synchronized (Native.class) {
                if (bpf == null) {
                    try {
                        bpf = LibraryLoader.create(LibBpf.class).failImmediately().load("bpf");
                    } catch (UnsatisfiedLinkError e) {
                        throw new ProbeException("libbpf is not installed (" + e.getMessage() + ")",
                                "install it: apt-get install libbpf1 (Debian/Ubuntu) or dnf install libbpf");
                    }
                }
            }
        }
        return bpf;
    }

    public static LibC libc() {
        if (libc == null) {
            synchronized (Native.class) {
                if (libc == null) {
                    libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
                }
            }
        }
        return libc;
    }

    public static Runtime runtimeOf(Object library) {
        return Runtime.getRuntime(library);
    }

    /** errno of the last native call on this thread. */
    public static int errno() {
        return Runtime.getSystemRuntime().getLastError();
    }

    public static String describeErrno(int err) {
        int e = Math.abs(err);
        return libc().strerror(e) + " (errno " + e + ")";
    }
}
