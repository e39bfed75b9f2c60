package io.akmon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and memory of a process, from /proc. */
final class Procs {
    private static final long NS_PER_TICK = 10_000_000L; // USER_HZ = 100

    private Procs() {
    }

    /** utime + stime of a process (all its threads), ns. */
    static long cpuNs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NS_PER_TICK;
        } catch (IOException e) {
            return 0;
        }
    }

    /** A /proc/PID/status field in bytes (VmRSS, VmHWM). */
    static long statusBytes(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            // process gone
        }
        return 0;
    }
}
