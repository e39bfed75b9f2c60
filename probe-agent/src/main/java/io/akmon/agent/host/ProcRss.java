package io.akmon.agent.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A live process's resident memory as {@code /proc/<pid>/status} gives it (VmRSS, VmHWM). The kernel's
 * RSS counters are per-CPU: what a BPF program can read ({@code percpu_counter.count}) lags the exact sum
 * that {@code /proc} shows by up to a batch of pages per CPU and counter. The drain reads this only for
 * processes whose kernel-side figures changed, so the cost follows the processes that changed.
 */
public final class ProcRss {
    private ProcRss() {
    }

    /** {rss bytes, peak bytes}, or null when the process is gone (or has no mm, as kernel threads). */
    public static long[] read(int pid) {
        try {
            long rss = -1;
            long hwm = -1;
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    hwm = kib(line);
                } else if (line.startsWith("VmRSS:")) {
                    rss = kib(line);
                    break; // VmRSS follows VmHWM
                }
            }
            return rss < 0 ? null : new long[] {rss, Math.max(rss, hwm)};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
}
