package io.akmon.agent.loader;

/**
 * What the kernel measured of one BPF program (BPF stats: {@code run_cnt}, {@code run_time_ns} of
 * {@code bpf_prog_info}) over {@code intervalNs}: since the agent enabled the statistics for a
 * cumulative reading, or between two readings for {@link #since}.
 *
 * @param program    the program's name in the object, e.g. {@code akmon_sched_switch}
 * @param runCount   times the program ran
 * @param runTimeNs  time spent in it, ns (the kernel's sched_clock around each run)
 * @param intervalNs wall time the figures cover
 */
public record ProgramCost(String program, long runCount, long runTimeNs, long intervalNs) {
    /** Mean cost of one run, ns; 0 when it did not run. */
    public double nsPerRun() {
        return runCount == 0 ? 0 : (double) runTimeNs / runCount;
    }

    /** Runs per second over the interval. */
    public double runsPerSecond() {
        return intervalNs <= 0 ? 0 : runCount * 1e9 / intervalNs;
    }

    /** Share of one CPU the program took over the interval (1.0 = one core). */
    public double cpuShare() {
        return intervalNs <= 0 ? 0 : (double) runTimeNs / intervalNs;
    }

    /** The figures between an earlier reading of the same program and this one. */
    public ProgramCost since(ProgramCost earlier) {
        if (earlier == null || !earlier.program.equals(program)) {
            return this;
        }
        return new ProgramCost(program, runCount - earlier.runCount, runTimeNs - earlier.runTimeNs,
                intervalNs - earlier.intervalNs);
    }
}
