package io.akmon.agent.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
        byte[] status;
        try {
            status = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "status"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        long hwm = kib(status, HWM);
        long rss = kib(status, RSS);
        return rss < 0 ? null : new long[] {rss, Math.max(rss, hwm)};
    }

    private static final byte[] HWM = "\nVmHWM:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RSS = "\nVmRSS:".getBytes(StandardCharsets.US_ASCII);

    /** The figure of the line starting with {@code label} ("VmRSS:   1234 kB"), in bytes; -1 if none. */
    static long kib(byte[] status, byte[] label) {
        int at = indexOf(status, label);
        if (at < 0) {
            return -1;
        }
        long kib = 0;
        boolean digits = false;
        for (int i = at + label.length; i < status.length && status[i] != '\n'; i++) {
            byte c = status[i];
            if (c >= '0' && c <= '9') {
                kib = kib * 10 + (c - '0');
                digits = true;
            }
        }
        return digits ? kib * 1024 : -1;
    }

    private static int indexOf(byte[] text, byte[] word) {
        outer:
        for (int i = 0; i + word.length <= text.length; i++) {
            for (int j = 0; j < word.length; j++) {
                if (text[i + j] != word[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
