package io.akmon.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Writes bench/RESULTS.md and its charts from one run. */
final class Report {
    private Report() {
    }

    static void write(Path dir, Machine m, List<OverheadSuite.Result> overhead, List<ThroughputSuite.Result> throughput,
                      List<KafkaSuite.Result> kafka, FlinkSuite.Result flink, List<ScenarioSuite.Result> scenarios,
                      List<PipelineSuite.Result> pipeline, long idleRss, long peakRss, List<String> jmh, int reps,
                      List<String> notes, Set<String> ran, String command) throws IOException {
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder();
        md.append("# akmon benchmark results\n\n");
        md.append("Written by `").append(command).append("` on ").append(Instant.now()).append(". This file holds only what "
                + "that run measured; a suite it did not run says so. Figures are medians of ")
                .append(reps).append(" interleaved repetitions unless a section says otherwise; spread is (max - min) / median.\n\n");
        md.append("Machine: ").append(m.cpu()).append(", ").append(m.cores()).append(" cores, ")
                .append(m.memoryBytes() >> 30).append(" GiB, Linux ").append(m.kernel()).append(", Java ").append(m.java()).append(".\n\n");
        md.append("Figures of earlier runs, before and after each change, with when and how they were taken: ")
                .append(link(dir, HISTORY)).append(".");
        if (Files.exists(PROFILE)) {
            md.append(" The aggregation job's profile: ").append(link(dir, PROFILE)).append('.');
        }
        md.append("\n\n");

        md.append("## Against the design's targets\n\n| target | measured here | where |\n|---|---|---|\n");
        for (ScenarioSuite.Result r : scenarios) {
            if (r.scenario().name().equals("normal")) {
                md.append(String.format(Locale.ROOT, "| agent CPU at most 1%% of the host under normal load | %.2f%% (spread %.0f%%) | load scenarios, normal |%n",
                        r.agentCpuPctOfHost().median(), 100 * r.agentCpuPctOfHost().spread()));
            }
        }
        if (scenarios.isEmpty()) {
            md.append("| agent CPU at most 1% of the host under normal load | not run | load scenarios |\n");
        }
        for (OverheadSuite.Result r : overhead) {
            md.append(String.format(Locale.ROOT, "| workload slowdown at most 1%% (ratio 1.01) | %s: %.3f (bpftrace %.3f) | overhead |%n",
                    r.workload().name(), r.ratio(Monitor.Kind.AKMON), r.ratio(Monitor.Kind.BPFTRACE)));
        }
        if (overhead.isEmpty()) {
            md.append("| workload slowdown at most 1% (ratio 1.01) | not run | overhead |\n");
        }
        for (OverheadSuite.Result r : overhead) {
            if (r.wallNs().containsKey(Monitor.Kind.EMPTY_SYS_EXIT)) {
                md.append(String.format(Locale.ROOT, "| %s within 1.1x of an empty sys_exit program's ratio | %.3f against "
                                + "%.3f: %.2fx | overhead |%n", r.workload().name(), r.ratio(Monitor.Kind.AKMON),
                        r.ratio(Monitor.Kind.EMPTY_SYS_EXIT), r.ratio(Monitor.Kind.AKMON) / r.ratio(Monitor.Kind.EMPTY_SYS_EXIT)));
            }
        }
        if (peakRss > 0) {
            md.append(String.format(Locale.ROOT, "| agent memory at most 256 MiB | idle %.0f MiB, peak %.0f MiB | agent memory |%n",
                    idleRss / 1048576.0, peakRss / 1048576.0));
        } else {
            md.append("| agent memory at most 256 MiB | not run | agent memory |\n");
        }
        if (kafka.isEmpty() && scenarios.isEmpty()) {
            md.append("| kernel event to Kafka within 100 ms | not run | into Kafka, load scenarios |\n");
        }
        for (KafkaSuite.Result r : kafka) {
            if (r.variant().equals(KafkaSuite.CURRENT)) {
                md.append(String.format(Locale.ROOT, "| kernel event to Kafka within 100 ms | %d storm(s): p50 %.1f ms, p99 %.1f ms | into Kafka |%n",
                        r.generators(), r.latencyMs().median(), r.p99Ms()));
            }
        }
        for (ScenarioSuite.Result r : scenarios) {
            md.append(String.format(Locale.ROOT, "| kernel event to Kafka within 100 ms | scenario %s: p50 %.1f ms, p99 %.1f ms | load scenarios |%n",
                    r.scenario().name(), r.p50Ms().median(), r.p99Ms().median()));
        }
        md.append("\n");

        md.append("## Overhead on the monitored host\n\n");
        if (overhead.isEmpty()) {
            md.append(notRun("overhead", ran));
        } else {
            md.append("Each workload's wall time with nothing watching, with the akmon agent (all six families, JSON to /dev/null) "
                    + "and with bpftrace doing the same collection. Ratio = median / unmonitored median "
                    + "(design target: at most 1.01 under normal load).\n\n");
            md.append("| workload | none (s) | akmon (s) | akmon ratio | akmon spread | akmon CPU % | bpftrace (s) | bpftrace ratio | bpftrace CPU % |\n");
            md.append("|---|---|---|---|---|---|---|---|---|\n");
            for (OverheadSuite.Result r : overhead) {
                md.append(String.format(Locale.ROOT, "| %s (%s) | %.3f | %.3f | **%.3f** | %.1f%% | %.1f | %.3f | **%.3f** | %.1f |%n",
                        r.workload().name(), r.workload().description(),
                        r.wallNs().get(Monitor.Kind.NONE).median() / 1e9,
                        r.wallNs().get(Monitor.Kind.AKMON).median() / 1e9, r.ratio(Monitor.Kind.AKMON),
                        100 * r.wallNs().get(Monitor.Kind.AKMON).spread(), r.monitorCpuPct().get(Monitor.Kind.AKMON).median(),
                        r.wallNs().get(Monitor.Kind.BPFTRACE).median() / 1e9, r.ratio(Monitor.Kind.BPFTRACE),
                        r.monitorCpuPct().get(Monitor.Kind.BPFTRACE).median()));
            }
            md.append("\nCPU % is the monitor's own CPU time over the workload's wall time (100 = one core).\n");
            for (OverheadSuite.Result r : overhead) {
                if (r.wallNs().containsKey(Monitor.Kind.EMPTY_SYS_EXIT)) {
                    md.append(String.format(Locale.ROOT, "\nThe %s workload also ran, interleaved with the others, under one "
                                    + "empty program on `tp_btf/sys_exit` (the agent's attach point; what any per-syscall probe "
                                    + "costs before it does anything): %.3f s, ratio **%.3f** (spread %.1f%%). akmon's ratio is "
                                    + "%.2fx that.%n", r.workload().name(), r.wallNs().get(Monitor.Kind.EMPTY_SYS_EXIT).median() / 1e9,
                            r.ratio(Monitor.Kind.EMPTY_SYS_EXIT), 100 * r.wallNs().get(Monitor.Kind.EMPTY_SYS_EXIT).spread(),
                            r.ratio(Monitor.Kind.AKMON) / r.ratio(Monitor.Kind.EMPTY_SYS_EXIT)));
                }
            }
            md.append("\n![overhead](overhead.png)\n\n");
        }

        md.append("## Agent throughput\n\n");
        if (throughput.isEmpty()) {
            md.append(notRun("throughput", ran));
        } else {
            md.append("Kernel records (fork and exit) carried through decode and JSON serialization, with the loss the kernel "
                    + "and agent report. Generators are parallel fork storms. *ringbuf* is the ring buffer as the agent runs "
                    + "it now, waking its reader once 64 KiB wait (`ringbuf_wakeup_bytes`, and a 10 ms poll); *ringbuf, "
                    + "wakeup per record* is the earlier behaviour (a wakeup and a poll return for every record), measured "
                    + "in the same run as the baseline of that change; *perf* batches wakeups per 64 records per CPU.\n\n");
            md.append("| transport | generators | records/s | records | lost | agent CPU % | CPU % per 100k records/s |\n|---|---|---|---|---|---|---|\n");
            for (ThroughputSuite.Result r : throughput) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %,d | %,d | %.1f | %.1f |%n", r.transport(), r.generators(),
                        r.recordsPerSec(), r.records(), r.lost(), r.agentCpuPct(), r.cpuPctPer100k()));
            }
            md.append("\n![throughput](throughput.png)\n\n");
        }

        if (kafka.isEmpty()) {
            md.append("## Into Kafka: throughput, loss accounting and latency\n\n").append(notRun("kafka", ran));
        } else {
            md.append("## Into Kafka: throughput, loss accounting and latency\n\n");
            md.append("The agent (ring buffer, process family) publishing through its own Kafka sink and on-disk spool "
                    + "to a real broker (KRaft, in the bench JVM, log-append timestamps). Kernel records = what the kernel's "
                    + "per-CPU sequences numbered during the fork storms; in Kafka = those sequence numbers found in the "
                    + "topics; reported lost = the `lost` records the agent published; unaccounted = kernel records neither "
                    + "in Kafka nor reported lost. Latency = broker append time minus the record's kernel timestamp "
                    + "(same host clock, 1 ms resolution), over every record of the run (design target: 100 ms to Kafka). "
                    + "The agent runs inside the bench's JVM next to the broker and the consumer that checks the topics, "
                    + "on the same two cores, so their CPU and garbage-collection pauses land on the agent too: read "
                    + "the latencies as an upper bound for an agent in a JVM of its own. "
                    + "Agent CPU counts its reader, drain, spool publisher and Kafka producer threads over the time "
                    + "from the first fork to the last acknowledgement.\n\n");
            md.append("Each storm size runs twice back to back: *before* forces the spool to disk (once a second) on the "
                    + "publisher thread, as the agent did until the fix, and *after* forces it on a thread of its own. "
                    + "The fsync stalled publishing for as long as the disk took, which is what the p99 showed. The last row "
                    + "shrinks the ring buffer to 16 KiB so that the kernel must drop records: the drops have to appear as "
                    + "reported loss, with nothing unaccounted.\n\n");
            md.append("| variant | generators | kernel records | kernel rate /s | in Kafka | end-to-end rate /s | reported lost | unaccounted "
                    + "| agent CPU % | CPU % per 100k/s | latency p50 ms | p99 ms | max ms | health records |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (KafkaSuite.Result r : kafka) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %,d | %,.0f | %,d | %,.0f | %,d | **%,d** | %.1f | %.1f | **%.1f** | **%.1f** | %.1f | %d |%n",
                        r.variant(), r.generators(), r.kernelRecords(), r.kernelRatePerSec(), r.arrived(), r.deliveredRatePerSec(),
                        r.reportedLost(), r.unaccounted(), r.agentCpuPct(), r.cpuPctPer100k(), r.latencyMs().median(),
                        r.p99Ms(), r.latencyMs().max(), r.healthRecords()));
            }
            md.append("\n");
        }
        if (flink == null) {
            md.append("## Flink jobs in steady state\n\n").append(notRun("flink", ran));
        } else {
            FlinkReport.append(md, flink);
        }

        if (scenarios.isEmpty()) {
            md.append("## Load scenarios\n\n").append(notRun("scenarios", ran));
        } else {
            md.append("## Load scenarios\n\n");
            md.append("stress-ng, fio and iperf3 side by side, each scenario run with nothing watching and under the agent "
                    + "(all six families, Kafka sink to the real broker), interleaved. Tool ratio = the tool's work rate under "
                    + "the agent / unwatched (1.00 = no slowdown; throttled tools keep their rate, so for light and normal the "
                    + "agent's CPU is the overhead to read). Agent CPU is a share of the whole host (all cores = 100%; design "
                    + "target 1%). Loss and latency as above, over the ring-buffer records the kernel numbered during the load; "
                    + "the periodic counter records (syscall, cpu, memory, disk) are stamped when drained. The Kafka broker runs in "
                    + "the bench's JVM on the same two cores (in a deployment it is elsewhere); its CPU and the bench's own "
                    + "bookkeeping are shown apart and weigh on the tool ratios too, so those ratios are an upper bound on "
                    + "the agent's cost.\n\n");
            md.append("| scenario | tool ratios (akmon / none) | agent CPU % of host | spread | broker + bench CPU % of host | kernel records/s | reported lost | unaccounted "
                    + "| latency p50 ms | p99 ms |\n|---|---|---|---|---|---|---|---|---|---|\n");
            for (ScenarioSuite.Result r : scenarios) {
                StringBuilder ratios = new StringBuilder();
                for (String tool : r.noneRate().keySet()) {
                    ratios.append(ratios.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s **%.3f** (%,.0f %s)",
                            tool, r.ratio(tool), r.noneRate().get(tool).median(), unit(r.scenario(), tool)));
                }
                md.append(String.format(Locale.ROOT, "| %s: %s | %s | **%.2f** | %.0f%% | %.1f | %,.0f | %,d | **%,d** | %.1f | %.1f |%n",
                        r.scenario().name(), r.scenario().description(), ratios, r.agentCpuPctOfHost().median(),
                        100 * r.agentCpuPctOfHost().spread(), r.brokerCpuPctOfHost().median(), r.recordsPerSec().median(), r.reportedLost(), r.unaccounted(),
                        r.p50Ms().median(), r.p99Ms().median()));
            }
            md.append("\n![scenarios](scenarios.png)\n\n");
        }

        if (pipeline.isEmpty()) {
            md.append("## End to end: to Elasticsearch and to an alert\n\n").append(notRun("pipeline", ran));
        } else {
            md.append("## End to end: to Elasticsearch and to an alert\n\n");
            md.append("The whole local pipeline as `akmon run --no-ui` starts it (agent, Kafka, the aggregation and alert jobs "
                    + "in a MiniCluster, Elasticsearch; 2 s checkpoints, 2 s out-of-orderness, 5 s idle-partition timeout, "
                    + "live partials every 500 ms, Elasticsearch flushes every 250 ms), one fork storm (80 forks) per round; each figure is the first search that "
                    + "finds the document (polled every " + PipelineSuite.POLL_MS + " ms). **alert**: the storm's fork-storm "
                    + "alert, from the kernel event that completed the match (the alert's `last_matched`); **live**: a "
                    + "document of the storm process for the window of the storm's end (a live partial, `final: false`, "
                    + "unless the final one came first), from the moment the storm's last child was reaped; **final**: "
                    + "that window's final document, from the window's end plus the 2 s out-of-orderness. **start-up**: from "
                    + "starting `akmon run` to its \"pipeline up\", which it says once every job's tasks are running; the "
                    + "round right after start-up begins then, reported on its own below the table. p99 is the nearest rank, so with fewer than 100 rounds it is the slowest "
                    + "round.\n\n");
            md.append("| window | start-up s | rounds | alert p50 ms | alert p99 ms | live p50 ms | live p99 ms | live found as "
                    + "partial | final p50 ms | final p99 ms | missed |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (PipelineSuite.Result r : pipeline) {
                md.append(String.format(Locale.ROOT, "| %s | %.1f | %d | **%,.0f** | %,.0f | **%,.0f** | %,.0f | %d of %d | **%,.0f** | %,.0f | %d |%n",
                        r.window(), r.startupMs() / 1000, r.rounds(), r.alert().median(), Stats.percentile(r.alertMs(), 99),
                        r.live().median(), Stats.percentile(r.liveMs(), 99), r.livePartials(), r.liveMs().size(),
                        r.fin().median(), Stats.percentile(r.finalMs(), 99), r.missed()));
            }
            for (PipelineSuite.Result r : pipeline) {
                md.append(String.format(Locale.ROOT, "%nThe round right after start-up, before the %d above and not among "
                                + "them (it also times the first use of every path in every JVM): alert %,.0f ms, live %,.0f ms, "
                                + "final %,.0f ms (NaN: not found within 120 s).%n", r.rounds(), r.firstRound()[0],
                        r.firstRound()[1], r.firstRound()[2]));
            }
            md.append("\n");
        }

        md.append("## Agent memory\n\n");
        if (peakRss <= 0) {
            md.append(notRun("memory", ran));
        } else {
            md.append(String.format(Locale.ROOT, "| state | resident memory |%n|---|---|%n| idle, all families | %.1f MiB |%n"
                    + "| peak under the heaviest fork storm | %.1f MiB |%n%nThe agent in a JVM of its own, run as deployed "
                + "(`-Xms32m -Xmx192m -XX:+UseSerialGC`), idle for 3 s, then under four parallel fork storms. Design target: 256 MiB.%n%n", idleRss / 1048576.0, peakRss / 1048576.0));
        }

        md.append("## Notes on this run\n\n");
        List<String> runNotes = new ArrayList<>();
        if (!throughput.isEmpty() && throughput.stream().allMatch(r -> r.lost() == 0)) {
            runNotes.add("**Where the agent starts losing** is not reached in this run: no throughput run lost a record, so "
                    + "the fork storms (the fastest record source here) ran out of CPU before the ring buffer or the agent "
                    + "fell behind. The agent's CPU per 100k records/s is the figure to extrapolate from.");
        }
        runNotes.addAll(notes);
        if (runNotes.isEmpty()) {
            runNotes.add("None.");
        }
        runNotes.forEach(n -> md.append("- ").append(n).append('\n'));
        md.append('\n');

        if (jmh.isEmpty()) {
            md.append("## Hot paths (JMH)\n\n").append(notRun("jmh", ran));
        } else {
            md.append("## Hot paths (JMH)\n\n");
            md.append("The agent's per-record work. `*Before` are earlier code paths kept in the benchmark as baselines: the "
                    + "record type's wire name was lower-cased on every call and parsing a type scanned and lower-cased all "
                    + "ten names; both run for every record on its way to Kafka (serializing, picking the topic), and a "
                    + "profile of the agent under the load scenarios had `String.toLowerCase` among its hottest frames. "
                    + "Both are now computed once.\n\n```\n");
            jmh.forEach(l -> md.append(l).append('\n'));
            md.append("```\n");
        }
        Files.writeString(dir.resolve("RESULTS.md"), md.toString());
        if (!overhead.isEmpty()) {
            overheadChart(dir.resolve("overhead.png"), overhead);
        }
        if (!throughput.isEmpty() || !kafka.isEmpty()) {
            throughputChart(dir.resolve("throughput.png"), throughput, kafka);
        }
        if (!scenarios.isEmpty()) {
            scenarioChart(dir.resolve("scenarios.png"), scenarios);
        }
    }

    /** Where the people-written history of the figures lives, and the aggregation job's profile when there is one. */
    static final Path HISTORY = Path.of("bench", "HISTORY.md");
    static final Path PROFILE = Path.of("bench", "PROFILE-aggregation.md");

    /** A Markdown link from a file in {@code dir} to {@code target}, both taken from the working directory. */
    static String link(Path dir, Path target) {
        String rel = dir.toAbsolutePath().normalize().relativize(target.toAbsolutePath().normalize()).toString();
        return "[" + target.getFileName() + "](" + rel + ")";
    }

    /** The text of a suite's section when it has no figures. */
    static String notRun(String suite, Set<String> ran) {
        return ran.contains(suite)
                ? "Not measured: the `" + suite + "` suite ran but produced no figures (see the notes below).\n\n"
                : "Not run: this run did not include the `" + suite + "` suite.\n\n";
    }

    private static void overheadChart(Path file, List<OverheadSuite.Result> overhead) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(800).height(450).title("Slowdown per workload (1.0 = unmonitored)")
                .xAxisTitle("workload").yAxisTitle("wall time ratio").build();
        List<String> names = new ArrayList<>();
        List<Double> akmon = new ArrayList<>();
        List<Double> bpftrace = new ArrayList<>();
        for (OverheadSuite.Result r : overhead) {
            names.add(r.workload().name());
            akmon.add(r.ratio(Monitor.Kind.AKMON));
            bpftrace.add(r.ratio(Monitor.Kind.BPFTRACE));
        }
        c.addSeries("akmon", names, akmon);
        c.addSeries("bpftrace", names, bpftrace);
        BitmapEncoder.saveBitmap(c, file.toString().replace(".png", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String unit(ScenarioSuite.Scenario sc, String tool) {
        return sc.tools().stream().filter(t -> t.name().equals(tool)).map(ScenarioSuite.Tool::unit).findFirst().orElse("");
    }

    private static void scenarioChart(Path file, List<ScenarioSuite.Result> scenarios) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(800).height(450).title("Overhead per load scenario")
                .xAxisTitle("scenario").yAxisTitle("%").build();
        List<String> names = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Double> slowdown = new ArrayList<>();
        for (ScenarioSuite.Result r : scenarios) {
            names.add(r.scenario().name());
            cpu.add(r.agentCpuPctOfHost().median());
            double worst = 0;
            for (String tool : r.noneRate().keySet()) {
                double ratio = r.ratio(tool);
                if (!Double.isNaN(ratio)) {
                    worst = Math.max(worst, 100 * (1 - ratio));
                }
            }
            slowdown.add(worst);
        }
        c.addSeries("agent CPU, % of host", names, cpu);
        c.addSeries("worst tool slowdown, %", names, slowdown);
        BitmapEncoder.saveBitmap(c, file.toString().replace(".png", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void throughputChart(Path file, List<ThroughputSuite.Result> throughput, List<KafkaSuite.Result> kafka)
            throws IOException {
        XYChart c = new XYChartBuilder().width(800).height(450).title("Throughput against loss")
                .xAxisTitle("records/s").yAxisTitle("records lost").build();
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(10);
        for (String transport : List.of(ThroughputSuite.RINGBUF_EACH, "ringbuf", "perf")) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (ThroughputSuite.Result r : throughput) {
                if (r.transport().equals(transport)) {
                    x.add(r.recordsPerSec());
                    y.add((double) r.lost());
                }
            }
            if (!x.isEmpty()) {
                c.addSeries(transport, x, y);
            }
        }
        List<Double> kx = new ArrayList<>();
        List<Double> ky = new ArrayList<>();
        for (KafkaSuite.Result r : kafka) {
            kx.add(r.kernelRatePerSec());
            ky.add((double) r.reportedLost() + r.unaccounted());
        }
        if (!kx.isEmpty()) {
            c.addSeries("into Kafka (last: 16 KiB ring)", kx, ky);
        }
        BitmapEncoder.saveBitmap(c, file.toString().replace(".png", ""), BitmapEncoder.BitmapFormat.PNG);
    }
}
