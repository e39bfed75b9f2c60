package io.akmon.agent.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks that this process may load and attach BPF programs, before libbpf gives a bare EPERM. */
public final class Privileges {
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;

    private Privileges() {
    }

    public static void require() {
        long caps = effectiveCapabilities();
        boolean admin = (caps & (1L << CAP_SYS_ADMIN)) != 0;
        boolean bpfAndPerfmon = (caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0;
        if (!admin && !bpfAndPerfmon) {
            throw new ProbeException("missing privileges to load eBPF programs (uid " + Native.libc().geteuid()
                    + ", effective capabilities 0x" + Long.toHexString(caps) + ")",
                    "run as root (sudo ./akmon agent ...), or grant CAP_BPF and CAP_PERFMON, e.g. setpriv "
                            + "--inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon (README \"Security\"; the unit and manifests do)");
        }
    }

    static long effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException e) {
            // unreadable /proc: let the kernel decide
        }
        return -1L;
    }
}
