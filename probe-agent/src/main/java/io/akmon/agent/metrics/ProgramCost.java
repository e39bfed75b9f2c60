package io.akmon.agent.metrics;

/**
 * The kernel's own accounting of one loaded BPF program ({@code kernel.bpf_stats_enabled=1}):
 * runs and time spent in it since it was loaded.
 */
public record ProgramCost(String program, long runs, long runTimeNs) {
    /** Mean cost of one run, ns; 0 before the first run. */
    public double nsPerRun() {
        return runs == 0 ? 0 : (double) runTimeNs / runs;
    }
}
