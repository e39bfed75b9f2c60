package io.akmon.bench;

import io.akmon.agent.cli.DurationConverter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code akmon bench}: measures and writes bench/RESULTS.md. These benchmarks report; they do not pass or fail. */
@Command(name = "akmon bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures on this host: overhead (against no monitoring and bpftrace),",
            "agent throughput, loss and CPU, throughput and latency into a real Kafka broker,",
            "the Flink jobs in steady state (passthrough baseline, aggregation on heap",
            "and RocksDB, alerts; records/s per core, documents/s, checkpoints),",
            "the light, normal, heavy and spike load scenarios (stress-ng, fio, iperf3),",
            "agent memory, and the hot paths with JMH. Writes RESULTS.md and charts.",
            "Needs root. Run it on an otherwise idle machine: the figures are ratios",
            "within one run, but noise still shows. Progress goes to standard error."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--reps", paramLabel = "N", defaultValue = "5", description = "Repetitions per workload and mode (default 5; the load scenarios use at most 2, the Flink suite runs each job once per density).")
    int reps;

    @Option(names = "--quick", description = "Smaller workloads, one repetition of the scenarios and a short Flink suite (see --flink-*), for a smoke run; the defaults are the real measurement.")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench", description = "Where RESULTS.md and the charts go (default bench).")
    Path out;

    @Option(names = "--agent-jar", paramLabel = "JAR", defaultValue = "probe-agent/target/akmon-agent.jar",
            description = "The agent to measure.")
    Path agentJar;

    @Option(names = "--workload", paramLabel = "BIN", defaultValue = "bench/target/workload", description = "The load generator binary.")
    Path workload;

    @Option(names = "--flink-jar", paramLabel = "JAR", defaultValue = "flink-jobs/target/akmon-flink-jobs.jar",
            description = "The packaged Flink jobs (Flink suite).")
    Path flinkJar;

    @Option(names = "--cli-jar", paramLabel = "JAR", defaultValue = "cli/target/akmon.jar",
            description = "The akmon jar whose 'run' the pipeline suite starts.")
    Path cliJar;

    @Option(names = "--flink-warm-up", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Flink suite: how long each job runs before the measured interval starts (default 30s; 10s with --quick).")
    Duration flinkWarmUp;

    @Option(names = "--flink-output-wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Flink suite: the aggregation jobs' warm-up also lasts until they have committed their first "
                    + "documents, at most this much longer (default 5m; 1m with --quick).")
    Duration flinkOutputWait;

    @Option(names = "--flink-jobs", paramLabel = "JOB", split = ",",
            description = "Flink suite: the jobs to run: passthrough, aggregation-heap, aggregation-rocksdb, alert (default all).")
    List<String> flinkJobs;

    @Option(names = "--flink-duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Flink suite: the least steady-state interval measured per job, from checkpoint to checkpoint "
                    + "(default 60s; 20s with --quick).")
    Duration flinkDuration;

    @Option(names = "--flink-backlog", paramLabel = "RECORDS",
            description = "Flink suite: records written per density before the first job starts; every job reads the "
                    + "topics from the start, and while one runs the bench keeps writing ahead of it (default 2000000; 400000 with --quick).")
    Long flinkBacklog;

    @Option(names = "--flink-profile", paramLabel = "DIR",
            description = "Flink suite: record every job's JVM with JFR (settings=profile) into DIR, one file per job and density "
                    + "(read with: jfr print --events jdk.ExecutionSample FILE). Off by default.")
    Path flinkProfile;

    @Option(names = "--flink-frame-bytes", paramLabel = "SIZE", defaultValue = "64k",
            description = "Flink suite: the fleet's records reach Kafka framed as the agent frames them with this "
                    + "--kafka-frame-bytes (" + io.akmon.schema.Sizes.GRAMMAR + "; default 64k, the agent's default; "
                    + "0: one record per Kafka record).")
    String flinkFrameBytes;

    @Option(names = "--flink-density", paramLabel = "HOSTSxPROCESSES", split = ",",
            description = "Flink suite: fleets to measure, hosts x live processes per host (default 4x500,64x50).")
    List<String> flinkDensities;

    @Option(names = "--no-jmh", description = "Skip the JMH suite.")
    boolean noJmh;

    @Option(names = "--only", paramLabel = "SUITE", split = ",",
            description = "Run only these suites: overhead, throughput, kafka, ceiling, flink, scenarios, pipeline, memory, jmh.")
    List<String> only;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final List<String> SUITES = List.of("overhead", "throughput", "kafka", "ceiling", "flink", "scenarios", "pipeline", "memory", "jmh");
    @Option(names = "--ceiling-baseline", paramLabel = "CLASSPATH",
            description = "Ceiling suite: also measure the agent code on this class path (an earlier build), turn about with the current one.")
    String ceilingBaseline;

    private boolean wants(String suite) {
        return (only == null || only.contains(suite)) && !(suite.equals("jmh") && noJmh);
    }

    private Set<FlinkSuite.Job> flinkJobs() {
        Set<FlinkSuite.Job> jobs = new LinkedHashSet<>();
        for (FlinkSuite.Job j : FlinkSuite.Job.values()) {
            if (flinkJobs == null || flinkJobs.contains(j.flag())) {
                jobs.add(j);
            }
        }
        if (flinkJobs != null) {
            for (String name : flinkJobs) {
                if (jobs.stream().noneMatch(j -> j.flag().equals(name))) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--flink-jobs takes passthrough, "
                            + "aggregation-heap, aggregation-rocksdb and alert; got '" + name + "'");
                }
            }
        }
        return jobs;
    }

    private int frameBytes() {
        long v;
        try {
            v = io.akmon.schema.Sizes.parse(flinkFrameBytes);
        } catch (IllegalArgumentException e) {
            v = -1;
        }
        if (v != 0 && (v < 1024 || v > 1_000_000)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--flink-frame-bytes takes 0 or a size from 1k to "
                    + "1000000 bytes (" + io.akmon.schema.Sizes.GRAMMAR + "), as the agent's --kafka-frame-bytes; got '" + flinkFrameBytes + "'");
        }
        return (int) v;
    }

    static FleetStream.Density density(String s) {
        String[] p = s.trim().split("x");
        try {
            if (p.length == 2) {
                return new FleetStream.Density(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new CommandLine.ParameterException(new CommandLine(new BenchCommand()),
                "--flink-density takes HOSTSxPROCESSES, e.g. 4x500, got '" + s + "'");
    }

    @Override
    public Integer call() throws Exception {
        PrintStream progress = System.err;
        if (only != null) {
            for (String s : only) {
                if (!SUITES.contains(s)) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--only takes " + String.join(", ", SUITES) + "; got '" + s + "'");
                }
            }
        }
        int frameBytes = frameBytes();
        List<FleetStream.Density> densities = new ArrayList<>();
        for (String d : flinkDensities != null ? flinkDensities : List.of("4x500", "64x50")) {
            densities.add(density(d));
        }
        Machine machine = Machine.here();
        progress.printf("akmon bench: %s, %d cores%n", machine.cpu(), machine.cores());
        List<OverheadSuite.Result> overhead = new ArrayList<>();
        if (wants("overhead")) {
            progress.println("overhead (none / akmon / bpftrace, interleaved):");
            overhead = new OverheadSuite(workload, agentJar, reps, quick, Path.of("/var/tmp/akmon-bench")).run(progress);
        }
        List<ThroughputSuite.Result> throughput = new ArrayList<>();
        if (wants("throughput")) {
            progress.println("throughput (ringbuf / perf):");
            throughput = new ThroughputSuite(workload, quick).run(progress);
        }
        List<String> notes = new ArrayList<>();
        List<KafkaSuite.Result> kafka = new ArrayList<>();
        if (wants("kafka")) {
            progress.println("throughput and latency into Kafka (agent -> spool -> real broker):");
            try {
                kafka = new KafkaSuite(workload, quick).run(progress);
            } catch (Exception e) {
                notes.add("The Kafka suite failed: " + e);
                progress.println("  failed: " + e);
            }
        }
        if (wants("ceiling")) {
            progress.println("user-space ceiling (synthesized ring records -> decode -> JSON -> spool -> real broker):");
            try {
                notes.add(CeilingRun.run(out, quick, ceilingBaseline, progress));
            } catch (Exception e) {
                notes.add("The ceiling suite failed: " + e);
                progress.println("  failed: " + e);
            }
        }
        FlinkSuite.Result flink = null;
        if (wants("flink")) {
            progress.println("Flink jobs in steady state (passthrough, aggregation on heap and RocksDB, alerts):");
            FlinkSuite suite = new FlinkSuite(flinkJar, densities, flinkJobs(),
                    flinkWarmUp != null ? flinkWarmUp : Duration.ofSeconds(quick ? 10 : 30),
                    flinkOutputWait != null ? flinkOutputWait : Duration.ofMinutes(quick ? 1 : 5),
                    flinkDuration != null ? flinkDuration : Duration.ofSeconds(quick ? 20 : 60),
                    flinkBacklog != null ? flinkBacklog : quick ? 400_000L : 2_000_000L, frameBytes);
            if (flinkProfile != null) {
                suite.profileInto(flinkProfile);
            }
            try {
                flink = suite.run(progress);
            } catch (Exception e) {
                notes.add("The Flink suite failed: " + e);
                progress.println("  failed: " + e);
            }
        }
        List<ScenarioSuite.Result> scenarios = new ArrayList<>();
        if (wants("scenarios")) {
            progress.println("load scenarios (stress-ng, fio, iperf3; none / akmon into Kafka, interleaved):");
            try {
                scenarios = new ScenarioSuite(quick, quick ? 1 : Math.min(reps, 2), Path.of("/var/tmp/akmon-bench")).run(progress);
            } catch (Exception e) {
                notes.add("The load scenarios failed: " + e);
                progress.println("  failed: " + e);
            }
        }
        List<PipelineSuite.Result> pipeline = new ArrayList<>();
        if (wants("pipeline")) {
            progress.println("end to end (akmon run: match -> alert, storm -> live document, window end -> final document, in Elasticsearch):");
            try {
                pipeline.add(new PipelineSuite(cliJar, workload, quick ? 3 : Math.max(reps, 20), "10s").run(progress));
            } catch (Exception e) {
                notes.add("The end-to-end suite failed: " + e);
                progress.println("  failed: " + e);
            }
        }
        long idle = 0;
        long peak = 0;
        if (wants("memory")) {
            progress.println("memory:");
            try (Monitor agent = Monitor.start(Monitor.Kind.AKMON, agentJar, List.of())) {
                Thread.sleep(3000);
                idle = agent.rssBytes();
                List<LoadGenerator> gens = new ArrayList<>();
                for (int g = 0; g < 4; g++) {
                    gens.add(new LoadGenerator(workload, List.of("forks", quick ? "5000" : "20000")));
                }
                gens.forEach(LoadGenerator::go);
                gens.forEach(LoadGenerator::awaitDone);
                gens.forEach(LoadGenerator::finish);
                Thread.sleep(1500);
                peak = agent.peakRssBytes();
            }
            progress.printf("  idle %.1f MiB, peak %.1f MiB%n", idle / 1048576.0, peak / 1048576.0);
        }
        List<String> jmh = new ArrayList<>();
        if (wants("jmh")) {
            progress.println("jmh (hot paths):");
            jmh = runJmh();
            jmh.forEach(progress::println);
        }
        Set<String> ran = new LinkedHashSet<>();
        SUITES.stream().filter(this::wants).forEach(ran::add);
        String command = "./akmon bench" + (spec.commandLine().getParseResult().originalArgs().isEmpty() ? ""
                : " " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        Report.write(out, machine, overhead, throughput, kafka, flink, scenarios, pipeline, idle, peak, jmh, reps, notes,
                ran, command);
        progress.println("akmon bench: wrote " + out.resolve("RESULTS.md"));
        return 0;
    }

    private List<String> runJmh() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        org.openjdk.jmh.runner.options.Options opts = new org.openjdk.jmh.runner.options.OptionsBuilder()
                .include("io.akmon.bench.jmh.*").forks(1).warmupIterations(2).measurementIterations(3)
                .warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                .measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1)).build();
        var results = new org.openjdk.jmh.runner.Runner(opts, new org.openjdk.jmh.runner.format.OutputFormat() {
            public void iteration(org.openjdk.jmh.infra.BenchmarkParams p, org.openjdk.jmh.infra.IterationParams i, int n) { }
            public void iterationResult(org.openjdk.jmh.infra.BenchmarkParams p, org.openjdk.jmh.infra.IterationParams i, int n, org.openjdk.jmh.results.IterationResult r) { }
            public void startBenchmark(org.openjdk.jmh.infra.BenchmarkParams p) { }
            public void endBenchmark(org.openjdk.jmh.results.BenchmarkResult r) { }
            public void startRun() { }
            public void endRun(java.util.Collection<org.openjdk.jmh.results.RunResult> r) { }
            public void print(String s) { }
            public void println(String s) { }
            public void flush() { }
            public void close() { }
            public void verbosePrintln(String s) { }
            public void write(int b) { }
            public void write(byte[] b) { }
        }).run();
        System.setOut(saved);
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%-55s %15s %12s", "benchmark", "ns/op", "error"));
        for (var r : results) {
            var s = r.getPrimaryResult();
            lines.add(String.format("%-55s %15.1f %12.1f", r.getParams().getBenchmark().replace("io.akmon.bench.jmh.", ""),
                    s.getScore(), s.getScoreError()));
        }
        return lines;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }
}
