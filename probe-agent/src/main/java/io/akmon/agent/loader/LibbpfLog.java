package io.akmon.agent.loader;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Captures libbpf's own messages instead of letting them spill onto stderr, so a failure can be
 * reported as one clear line with the kernel's reason attached. Verbose mode echoes them.
 */
public final class LibbpfLog {
    private static final int KEEP = 12;
    private static final Deque<String> LAST = new ArrayDeque<>();
    private static volatile boolean verbose;
    private static LibBpf.PrintFn installed; // strong reference: the native side keeps only a pointer

    private LibbpfLog() {
    }

    public static void setVerbose(boolean on) {
        verbose = on;
    }

    static synchronized void install(LibBpf bpf) {
        if (installed != null) {
            return;
        }
        LibC libc = Native.libc();
        Runtime rt = Runtime.getRuntime(bpf);
        installed = (level, format, vaList) -> {
            try {
                Pointer buf = Memory.allocateDirect(rt, 4096);
                int n = libc.vsnprintf(buf, 4096, format, vaList);
                String line = buf.getString(0, Math.max(0, Math.min(n, 4095)), java.nio.charset.StandardCharsets.UTF_8).stripTrailing();
                remember(line);
                if (verbose) {
                    System.err.println("libbpf: " + line);
                }
            } catch (Throwable ignored) {
                // never throw into native code
            }
            return 0;
        };
        bpf.libbpf_set_print(installed);
    }

    private static synchronized void remember(String line) {
        if (line.isEmpty()) {
            return;
        }
        if (LAST.size() == KEEP) {
            LAST.removeFirst();
        }
        LAST.addLast(line);
    }

    /** The last libbpf messages, for an error report; empty if there were none. */
    public static synchronized String lastLines() {
        if (LAST.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\n  libbpf said:");
        for (String l : LAST) {
            sb.append("\n    ").append(l);
        }
        return sb.toString();
    }

    public static synchronized void clear() {
        LAST.clear();
    }
}
