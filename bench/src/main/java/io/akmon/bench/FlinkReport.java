package io.akmon.bench;

import java.util.Locale;

/** The Flink suite's section of RESULTS.md: only what this run measured; a job that was not measured says why. */
final class FlinkReport {
    private FlinkReport() {
    }

    static void append(StringBuilder md, FlinkSuite.Result r) {
        FlinkSuite.Settings s = r.settings();
        md.append("## Flink jobs in steady state\n\n");
        md.append("Each job from the packaged jar (`").append(s.flinkJar()).append("`), in a JVM of its own with its embedded "
                + "MiniCluster, parallelism 1, exactly-once checkpoints every ").append(seconds(s.checkpointInterval()))
                .append(" to local disk, reads a pre-filled backlog from the start with a consumer group of its own. "
                        + "The backlog (").append(String.format(Locale.ROOT, "%,d", s.backlog())).append(" records per density, "
                        + "2 partitions per topic) is a fleet in the agent's wire format (the agent's own serializer), ")
                .append(s.frameBytes() > 0 ? "framed as the agent frames it (the agent's own frame builder: the records of a "
                        + "publishing round bound for one partition in one Kafka record of JSON Lines, at most "
                        + io.akmon.schema.Sizes.format(s.frameBytes()) + ")" : "one record per Kafka record (frames off)")
                .append(": per host, "
                        + "N live processes that each send a cpu and two syscall records every second, one process in a hundred "
                        + "(at least one) replaced every second (net close, exit, fork, exec, net connect), and a tenth of the "
                        + "processes sending a disk record and another tenth a connection's stats each second. "
                        + "After ").append(seconds(s.warmUp())).append(" of warm-up (for the aggregation jobs also until they "
                        + "have committed their first documents, at most ").append(seconds(s.outputWait()))
                .append(" longer, so that windows firing belong to the measurement), the measured interval runs from one "
                        + "checkpoint's offset commit to the first commit at least ").append(seconds(s.measure()))
                .append(" later. *Input records* are the records the job committed in that interval; *per core* divides "
                        + "them by the CPU seconds (user + system) of the job's whole process over the same interval; "
                        + "*output documents* are the committed records its output topic gained (aggregates; alerts for "
                        + "the alert job; the aggregation jobs write final documents only, their live partials off with `--live-topic=`). The passthrough is the aggregation job's Kafka source and parse followed by a "
                        + "sink that discards, on the same topics: */ passthrough* is a job's records per core over the "
                        + "passthrough's at the same density (its limit is 1.0). The alert job runs its default rules on "
                        + "the event topics only (no aggregates topic). The Kafka broker runs in the bench's JVM on the "
                        + "same cores; its CPU is not counted.\n\n");
        md.append("| density | job | input records/s per core | / passthrough | input records/s wall | output documents/s "
                + "| records measured | over | CPU s |\n|---|---|---|---|---|---|---|---|---|\n");
        for (FleetStream.Density d : s.densities()) {
            JobRun.Measured base = r.find(d, FlinkSuite.Job.PASSTHROUGH);
            for (FlinkSuite.Job j : FlinkSuite.Job.values()) {
                JobRun.Measured m = r.find(d, j);
                if (!m.ran()) {
                    md.append("| ").append(d.label()).append(" | ").append(j.label()).append(" | not run: ").append(m.why())
                            .append(" | | | | | | |\n");
                    continue;
                }
                String ratio = j == FlinkSuite.Job.PASSTHROUGH ? "1 (baseline)"
                        : base.ran() ? String.format(Locale.ROOT, "**%.2f**", m.perCore() / base.perCore()) : "passthrough not run";
                String docs = j == FlinkSuite.Job.PASSTHROUGH ? "none (discards)"
                        : m.documents() == 0 ? "none committed in the interval"
                        : String.format(Locale.ROOT, "%,.0f", m.documentsPerSecond());
                md.append(String.format(Locale.ROOT, "| %s | %s | **%,.0f** | %s | %,.0f | %s | %,d | %.1f s%s | %.1f |%n",
                        d.label(), j.label(), m.perCore(), ratio, m.wallRate(), docs, m.records(), m.wallSeconds(),
                        m.why() == null ? "" : " (" + m.why() + ")", m.cpuSeconds()));
            }
        }
        md.append("\n### State and checkpoints\n\n");
        md.append("From the job's REST API (`/jobs/<id>/checkpoints`) at the end of its measured interval: the latest "
                + "completed checkpoint's full state size (all operators, including the Kafka source's offsets and the "
                + "sinks' transaction state), that size over the live processes of the density, and end-to-end checkpoint "
                + "durations (latest, median and maximum of the run).\n\n");
        md.append("| density | job | checkpoints completed (failed) | state size | bytes per live process | duration latest / p50 / max ms |\n"
                + "|---|---|---|---|---|---|\n");
        for (FleetStream.Density d : s.densities()) {
            for (FlinkSuite.Job j : FlinkSuite.Job.values()) {
                JobRun.Measured m = r.find(d, j);
                JobRun.Checkpoints c = m.checkpoints();
                if (!m.ran() || c == null || c.stateBytes() < 0) {
                    md.append("| ").append(d.label()).append(" | ").append(j.label()).append(" | ")
                            .append(!m.ran() ? "not run" : "not measured (no checkpoint statistics from the REST API)")
                            .append(" | | | |\n");
                    continue;
                }
                String perProcess = j == FlinkSuite.Job.PASSTHROUGH ? "none kept (no keyed state)"
                        : String.format(Locale.ROOT, "%,.0f", c.stateBytes() / (double) d.liveProcesses());
                md.append(String.format(Locale.ROOT, "| %s | %s | %,d (%,d) | %s | %s | %,d / %,d / %,d |%n", d.label(), j.label(),
                        c.completed(), c.failed(), bytes(c.stateBytes()), perProcess,
                        c.durationMs(), c.p50DurationMs(), c.maxDurationMs()));
            }
        }
        md.append("\n### Against issue 12's targets (on this machine)\n\n| target | measured here |\n|---|---|\n");
        for (FleetStream.Density d : s.densities()) {
            target(md, "aggregation on heap >= 200,000 records/s per core, " + d.label(), r.find(d, FlinkSuite.Job.AGGREGATION_HEAP), null);
            target(md, "aggregation on RocksDB >= 50,000 records/s per core, " + d.label(), r.find(d, FlinkSuite.Job.AGGREGATION_ROCKSDB), null);
            target(md, "aggregation on heap / passthrough >= 0.5, " + d.label(), r.find(d, FlinkSuite.Job.AGGREGATION_HEAP),
                    r.find(d, FlinkSuite.Job.PASSTHROUGH));
            target(md, "alert job >= 100,000 records/s per core, " + d.label(), r.find(d, FlinkSuite.Job.ALERT), null);
        }
        md.append("\n");
    }

    private static void target(StringBuilder md, String target, JobRun.Measured m, JobRun.Measured base) {
        md.append("| ").append(target).append(" | ");
        if (!m.ran() || (base != null && !base.ran())) {
            md.append("not run");
        } else if (base != null) {
            md.append(String.format(Locale.ROOT, "%.2f", m.perCore() / base.perCore()));
        } else {
            md.append(String.format(Locale.ROOT, "%,.0f", m.perCore()));
        }
        md.append(" |\n");
    }

    private static String seconds(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    static String bytes(long b) {
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
        }
        if (b >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return b + " B";
    }
}
