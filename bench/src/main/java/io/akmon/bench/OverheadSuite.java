package io.akmon.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Overhead on the monitored host: each workload timed with nothing watching, with the akmon agent,
 * and with bpftrace doing the same collection. Repetitions interleave the modes so drift in the
 * machine's speed hits all of them alike; results are ratios to the unmonitored median.
 */
final class OverheadSuite {
    /**
     * A workload and what watches it: {@code agentArgs} added to the agent's command line (a family that
     * is off by default), {@code bpftraceExtra} added to bpftrace's script so it collects the same.
     */
    record Workload(String name, String description, List<String> args, List<String> agentArgs, String bpftraceExtra,
                    List<Monitor.Kind> monitors) {
        Workload(String name, String description, List<String> args, List<String> agentArgs, String bpftraceExtra) {
            this(name, description, args, agentArgs, bpftraceExtra, MONITORS);
        }

        Workload(String name, String description, List<String> args) {
            this(name, description, args, List.of(), "");
        }
    }

    /** What watches every workload: nothing (the baseline), akmon and bpftrace. */
    static final List<Monitor.Kind> MONITORS = List.of(Monitor.Kind.NONE, Monitor.Kind.AKMON, Monitor.Kind.BPFTRACE);

    /** The default families and the file family, which is off by default. */
    static final List<String> WITH_FILE_FAMILY = List.of("--families", "process,syscall,cpu,memory,disk,net,file");

    record Result(Workload workload, Map<Monitor.Kind, Stats> wallNs, Map<Monitor.Kind, Stats> monitorCpuPct) {
        double ratio(Monitor.Kind kind) {
            return wallNs.get(kind).median() / wallNs.get(Monitor.Kind.NONE).median();
        }
    }

    private static final long SETTLE_MS = 2000;

    private final Path workloadBinary;
    private final Path agentJar;
    private final int reps;
    private final boolean quick;
    private final Path scratch;

    OverheadSuite(Path workloadBinary, Path agentJar, int reps, boolean quick, Path scratch) {
        this.workloadBinary = workloadBinary;
        this.agentJar = agentJar;
        this.reps = reps;
        this.quick = quick;
        this.scratch = scratch;
    }

    List<Workload> workloads() {
        // sized for about a second each unmonitored on a small machine; --quick is a tenth
        return workloads(quick ? 1 : 10);
    }

    /** The same workloads at {@code scale} (10 for the measurement, 1 for --quick and for the warm-up). */
    List<Workload> workloads(int scale) {
        return List.of(
                // also under the empty sys_exit program: the design's getppid target is relative to that floor
                new Workload("syscall", scale * 1_000_000 + " getppid calls", List.of("getppid", Integer.toString(scale * 1_000_000)),
                        List.of(), "", List.of(Monitor.Kind.NONE, Monitor.Kind.AKMON, Monitor.Kind.BPFTRACE,
                        Monitor.Kind.EMPTY_SYS_EXIT)),
                new Workload("fork-exec", scale * 200 + " fork+exec+exit", List.of("spawn", Integer.toString(scale * 200), "0")),
                new Workload("file-write", scale * 64 + " MiB in 4 KiB writes + fsync",
                        List.of("write", scratch.resolve("bench-write.dat").toString(), Integer.toString(scale * 64))),
                new Workload("tcp", scale * 500 + " MB over loopback", List.of("tcp", Long.toString(scale * 500_000_000L))),
                new Workload("udp", scale * 20_000 + " x 5 UDP datagram round trips over loopback (v4, v6, mmsg)",
                        List.of("udp", Integer.toString(scale * 20_000)), List.of(), Monitor.BPFTRACE_UDP),
                new Workload("files", scale * 2_000 + " x 6 file changes (create, rename, chmod, truncate, chown, unlink)",
                        List.of("files", scratch.resolve("bench-files").toString(), Integer.toString(scale * 2_000)),
                        WITH_FILE_FAMILY, Monitor.BPFTRACE_FILES),
                new Workload("file-read", scale * 20 + " MiB read from the page cache (and half of it written)",
                        List.of("fileio", scratch.resolve("bench-cached.dat").toString(), Long.toString(scale * 20L << 20), "0"),
                        WITH_FILE_FAMILY, Monitor.BPFTRACE_FILES));
    }

    List<Result> run(java.io.PrintStream progress) throws Exception {
        Files.createDirectories(scratch);
        List<Result> results = new ArrayList<>();
        List<Workload> measured = workloads();
        List<Workload> warmUps = workloads(1);
        for (int i = 0; i < measured.size(); i++) {
            Workload w = measured.get(i);
            Workload warmUp = warmUps.get(i);
            Map<Monitor.Kind, List<Double>> wall = new EnumMap<>(Monitor.Kind.class);
            Map<Monitor.Kind, List<Double>> cpu = new EnumMap<>(Monitor.Kind.class);
            for (int r = 0; r < reps; r++) {
                for (Monitor.Kind kind : w.monitors()) {
                    try (Monitor m = Monitor.start(kind, agentJar, w.agentArgs(), w.bpftraceExtra())) {
                        Thread.sleep(SETTLE_MS); // past start-up
                        // a tenth of the workload, untimed, under every monitor alike: the agent's JIT compiles the
                        // paths this workload drives (about half its CPU in a fresh agent's first seconds), so the
                        // timed run is the steady state a long-running agent is in
                        LoadGenerator warm = new LoadGenerator(workloadBinary, warmUp.args());
                        warm.timeWork();
                        warm.finish();
                        LoadGenerator g = new LoadGenerator(workloadBinary, w.args());
                        long cpu0 = m.cpuNs();
                        long ns = g.timeWork();
                        long monitorCpu = m.cpuNs() - cpu0;
                        g.finish();
                        wall.computeIfAbsent(kind, k -> new ArrayList<>()).add((double) ns);
                        cpu.computeIfAbsent(kind, k -> new ArrayList<>()).add(100.0 * monitorCpu / ns);
                        progress.printf("  %-10s %-8s rep %d/%d: %.3f s%n", w.name(), kind.name().toLowerCase(), r + 1, reps, ns / 1e9);
                    }
                }
            }
            Map<Monitor.Kind, Stats> wallStats = new LinkedHashMap<>();
            Map<Monitor.Kind, Stats> cpuStats = new LinkedHashMap<>();
            wall.forEach((k, v) -> wallStats.put(k, Stats.of(v)));
            cpu.forEach((k, v) -> cpuStats.put(k, Stats.of(v)));
            results.add(new Result(w, wallStats, cpuStats));
        }
        Files.deleteIfExists(scratch.resolve("bench-write.dat"));
        Files.deleteIfExists(scratch.resolve("bench-cached.dat"));
        Files.deleteIfExists(scratch.resolve("bench-cached.dat.w"));
        return results;
    }
}
