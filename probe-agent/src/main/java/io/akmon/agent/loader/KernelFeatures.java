package io.akmon.agent.loader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * What this kernel offers, read without loading anything: its release, and the BTF tracepoints
 * (each has a {@code btf_trace_<name>} type in vmlinux BTF).
 */
public final class KernelFeatures {
    private final String release;
    private final Set<String> tracepoints;

    public KernelFeatures(String release, Set<String> tracepoints) {
        this.release = release;
        this.tracepoints = tracepoints;
    }

    /** Reads the running kernel; the BTF may come from another file (kernels without /sys/kernel/btf). */
    public static KernelFeatures read(Path btf) {
        String release;
        try {
            release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            release = System.getProperty("os.version");
        }
        if (!Files.isRegularFile(btf) && !Files.exists(btf)) {
            throw new ProbeException("this kernel exposes no BTF (" + btf + " is missing)",
                    "run a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distributions since 2021), "
                            + "or pass --btf FILE with a BTF file for this kernel (e.g. from btfhub)");
        }
        byte[] blob;
        try {
            blob = Files.readAllBytes(btf);
        } catch (IOException e) {
            throw new ProbeException("cannot read BTF " + btf + ": " + e.getMessage(),
                    "run as root, or pass --btf FILE with a readable BTF file");
        }
        return new KernelFeatures(release, tracepointsIn(blob));
    }

    /** Names of btf_trace_* types: NUL-delimited strings in the BTF string section. */
    static Set<String> tracepointsIn(byte[] blob) {
        byte[] prefix = "btf_trace_".getBytes(StandardCharsets.US_ASCII);
        Set<String> found = new HashSet<>();
        outer:
        for (int i = 0; i + prefix.length < blob.length; i++) {
            if (blob[i] != 'b' || (i > 0 && blob[i - 1] != 0)) {
                continue;
            }
            for (int j = 0; j < prefix.length; j++) {
                if (blob[i + j] != prefix[j]) {
                    continue outer;
                }
            }
            int end = i + prefix.length;
            while (end < blob.length && blob[end] != 0) {
                end++;
            }
            found.add(new String(blob, i + prefix.length, end - i - prefix.length, StandardCharsets.US_ASCII));
            i = end;
        }
        return found;
    }

    public String release() {
        return release;
    }

    public boolean hasTracepoint(String name) {
        return tracepoints.contains(name);
    }

    /** Major and minor version of the release string ("6.18.44-fc" -> {6, 18}). */
    public int[] version() {
        String[] parts = release.split("[.-]");
        try {
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (RuntimeException e) {
            return new int[] {0, 0};
        }
    }
}
