package io.akmon.agent;

import io.akmon.agent.loader.ProgramCost;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel's run count and run time of every loaded program, read back and growing with a known workload. */
class ProgramCostIT {
    private static final Path SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");

    @Test
    void everyLoadedProgramHasCountersThatGrowWithAKnownWorkload() throws Exception {
        String sysctlBefore = Files.readString(SYSCTL).trim();
        long k = 200_000;
        try (Workload w = Workload.start("getppid", Long.toString(k))) {
            TracedRun run = TracedRun.attach(w, s -> { });
            try {
                Map<String, ProgramCost> before = byName(run.agent().programCosts());
                for (String p : run.agent().attachedPrograms()) {
                    assertNotNull(before.get(p), "no cost figures for attached program " + p + ": " + before.keySet());
                }
                w.go(); // exactly k getppid calls, each one run of akmon_sys_exit
                run.agent().sync();
                Map<String, ProgramCost> after = byName(run.agent().programCosts());

                ProgramCost sysExit = after.get("akmon_sys_exit").since(before.get("akmon_sys_exit"));
                assertTrue(sysExit.runCount() >= k, "akmon_sys_exit ran " + sysExit.runCount() + " times for " + k + " syscalls");
                assertTrue(sysExit.runTimeNs() > 0, "akmon_sys_exit run time " + sysExit.runTimeNs());
                assertTrue(sysExit.nsPerRun() > 0 && sysExit.nsPerRun() < 100_000, "ns per run " + sysExit.nsPerRun());
                ProgramCost flush = after.get("akmon_cpu_flush").since(before.get("akmon_cpu_flush"));
                assertTrue(flush.runCount() >= Runtime.getRuntime().availableProcessors(),
                        "the CPU flush runs on every CPU at each drain: " + flush.runCount());
                ProgramCost sw = after.get("akmon_sched_switch");
                assertTrue(sw.runCount() > before.get("akmon_sched_switch").runCount(), "sched_switch did not grow");

                Map<String, Object> health = run.agent().healthFigures();
                assertEquals(Boolean.TRUE, health.get(Fields.PROBE_STATS));
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> programs = (List<Map<String, Object>>) health.get(Fields.PROGRAMS);
                assertEquals(after.keySet(), programs.stream().map(p -> p.get(Fields.PROGRAM)).collect(Collectors.toSet()));
                Map<String, Object> sysExitEntry = programs.stream()
                        .filter(p -> p.get(Fields.PROGRAM).equals("akmon_sys_exit")).findFirst().orElseThrow();
                assertTrue(((Number) sysExitEntry.get(Fields.RUN_CNT)).longValue() >= after.get("akmon_sys_exit").runCount());
                assertTrue(((Number) sysExitEntry.get(Fields.RUNS_PER_S)).doubleValue() > 0);
                run.finishAndDrain();
            } finally {
                run.close();
            }
        }
        assertEquals(sysctlBefore, Files.readString(SYSCTL).trim(), "kernel.bpf_stats_enabled is as it was");
    }

    @Test
    void withoutProbeStatsTheFiguresAreEmptyAndSaySo() {
        try (Workload w = Workload.start("getppid", "10")) {
            TracedRun run = TracedRun.attach(w, s -> s.probeStats = false);
            try {
                Map<String, Object> health = run.agent().healthFigures();
                if (!Files.exists(SYSCTL) || !"1".equals(read(SYSCTL))) { // another tool may have the sysctl on
                    assertEquals(Boolean.FALSE, health.get(Fields.PROBE_STATS));
                    assertTrue(run.agent().programCosts().isEmpty());
                }
                w.go();
                run.finishAndDrain();
            } finally {
                run.close();
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (Exception e) {
            return "";
        }
    }

    private static Map<String, ProgramCost> byName(List<ProgramCost> costs) {
        return costs.stream().collect(Collectors.toMap(ProgramCost::program, Function.identity()));
    }
}
