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
    record Workload(String name, String description, List<String> args) {
    }

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
        int scale = quick ? 1 : 10;
        return List.of(
                new Workload("syscall", scale * 1_000_000 + " getppid calls", List.of("getppid", Integer.toString(scale * 1_000_000))),
                new Workload("fork-exec", scale * 200 + " fork+exec+exit", List.of("spawn", Integer.toString(scale * 200), "0")),
                new Workload("file-write", scale * 64 + " MiB in 4 KiB writes + fsync",
                        List.of("write", scratch.resolve("bench-write.dat").toString(), Integer.toString(scale * 64))),
                new Workload("tcp", scale * 500 + " MB over loopback", List.of("tcp", Long.toString(scale * 500_000_000L))));
    }

    List<Result> run(java.io.PrintStream progress) throws Exception {
        Files.createDirectories(scratch);
        List<Result> results = new ArrayList<>();
        for (Workload w : workloads()) {
            Map<Monitor.Kind, List<Double>> wall = new EnumMap<>(Monitor.Kind.class);
            Map<Monitor.Kind, List<Double>> cpu = new EnumMap<>(Monitor.Kind.class);
            for (int r = 0; r < reps; r++) {
                for (Monitor.Kind kind : Monitor.Kind.values()) {
                    try (Monitor m = Monitor.start(kind, agentJar, List.of())) {
                        Thread.sleep(SETTLE_MS); // past start-up and JIT warm-up: steady state is what is measured
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
        return results;
    }
}
