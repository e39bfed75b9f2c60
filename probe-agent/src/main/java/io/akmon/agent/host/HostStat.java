package io.akmon.agent.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host's CPU and memory as the kernel accounts them: the aggregate {@code cpu} line of
 * /proc/stat (every task, kernel threads, interrupts and steal included) and /proc/meminfo.
 */
public final class HostStat {
    /** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture the agent runs on. */
    static final long NS_PER_TICK = 10_000_000L;

    /** Cumulative CPU time per /proc/stat category since boot, ns summed over CPUs. */
    public record Cpu(long user, long nice, long system, long idle, long iowait, long irq, long softirq, long steal) {
        /** user + nice + system + irq + softirq + steal (guest time is inside user and nice). */
        public long busy() {
            return user + nice + system + irq + softirq + steal;
        }

        public Cpu minus(Cpu earlier) {
            return new Cpu(user - earlier.user, nice - earlier.nice, system - earlier.system, idle - earlier.idle,
                    iowait - earlier.iowait, irq - earlier.irq, softirq - earlier.softirq, steal - earlier.steal);
        }
    }

    /** /proc/meminfo's MemTotal and MemAvailable, bytes. */
    public record Memory(long total, long available) {
        public long used() {
            return total - available;
        }
    }

    private HostStat() {
    }

    public static Cpu cpu() {
        return parseCpu(read("/proc/stat"));
    }

    public static Memory memory() {
        return parseMemory(read("/proc/meminfo"));
    }

    /** The first line of /proc/stat: "cpu user nice system idle iowait irq softirq steal guest guest_nice". */
    public static Cpu parseCpu(String procStat) {
        String line = procStat.substring(0, procStat.indexOf('\n') < 0 ? procStat.length() : procStat.indexOf('\n'));
        String[] f = line.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 9) {
            throw new IllegalArgumentException("/proc/stat does not start with the aggregate cpu line: " + line);
        }
        long[] v = new long[8];
        for (int i = 0; i < 8; i++) {
            v[i] = Long.parseLong(f[i + 1]) * NS_PER_TICK;
        }
        return new Cpu(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }

    public static Memory parseMemory(String meminfo) {
        long total = -1;
        long available = -1;
        for (String line : meminfo.split("\n")) {
            if (line.startsWith("MemTotal:")) {
                total = kib(line);
            } else if (line.startsWith("MemAvailable:")) {
                available = kib(line);
            }
        }
        if (total < 0 || available < 0) {
            throw new IllegalArgumentException("/proc/meminfo has no MemTotal or MemAvailable");
        }
        return new Memory(total, available);
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }

    /** CPUs online now, from the per-CPU lines of /proc/stat. */
    public static int cpusOnline(String procStat) {
        int n = 0;
        for (String line : procStat.split("\n")) {
            if (line.startsWith("cpu") && line.length() > 3 && Character.isDigit(line.charAt(3))) {
                n++;
            }
        }
        return n;
    }

    static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
