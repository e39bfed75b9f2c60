package io.akmon.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code akmon bench}: measures and writes bench/RESULTS.md. These benchmarks report; they do not pass or fail. */
@Command(name = "akmon bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures on this host: overhead (against no monitoring and bpftrace),",
            "agent throughput, loss and CPU, throughput and latency into a real Kafka",
            "broker, the aggregation job's records/s per core (heap and RocksDB state),",
            "the light, normal, heavy and spike load scenarios (stress-ng, fio, iperf3),",
            "agent memory, and the hot paths with JMH. Writes RESULTS.md and charts.",
            "Needs root. Run it on an otherwise idle machine: the figures are ratios",
            "within one run, but noise still shows. Progress goes to standard error."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--reps", paramLabel = "N", defaultValue = "5", description = "Repetitions per workload and mode (default 5; the Flink suite and the load scenarios use at most 2).")
    int reps;

    @Option(names = "--quick", description = "Smaller workloads and one repetition of the Flink suite and scenarios, for a quick look.")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench", description = "Where RESULTS.md and the charts go (default bench).")
    Path out;

    @Option(names = "--agent-jar", paramLabel = "JAR", defaultValue = "probe-agent/target/akmon-agent.jar",
            description = "The agent to measure.")
    Path agentJar;

    @Option(names = "--workload", paramLabel = "BIN", defaultValue = "bench/target/workload", description = "The load generator binary.")
    Path workload;

    @Option(names = "--flink-jar", paramLabel = "JAR", defaultValue = "flink-jobs/target/akmon-flink-jobs.jar",
            description = "The packaged aggregation job (Flink suite).")
    Path flinkJar;

    @Option(names = "--cli-jar", paramLabel = "JAR", defaultValue = "cli/target/akmon.jar",
            description = "The akmon jar whose 'run' the pipeline suite starts.")
    Path cliJar;

    @Option(names = "--no-jmh", description = "Skip the JMH suite.")
    boolean noJmh;

    @Option(names = "--only", paramLabel = "SUITE", split = ",",
            description = "Run only these suites: overhead, throughput, kafka, ceiling, flink, scenarios, pipeline, memory, jmh.")
    List<String> only;

    @Option(names = "--ceiling-baseline", paramLabel = "CLASSPATH",
            description = "Ceiling suite: also measure the agent code on this class path (an earlier build), turn about with the current one.")
    String ceilingBaseline;

    private boolean wants(String suite) {
        return only == null || only.contains(suite);
    }

    @Override
    public Integer call() throws Exception {
        PrintStream progress = System.err;
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
        List<FlinkSuite.Result> flink = new ArrayList<>();
        if (wants("flink")) {
            progress.println("aggregation job throughput (pre-filled topics, heap / rocksdb):");
            FlinkSuite suite = new FlinkSuite(flinkJar, quick, quick ? 1 : Math.min(reps, 2));
            try {
                flink = suite.run(progress);
            } catch (Exception e) {
                notes.add("The Flink suite failed: " + e);
                progress.println("  failed: " + e);
            }
            suite.failures.forEach(f -> notes.add("Aggregation job run that did not finish (left out of the figures): " + f));
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
            progress.println("end to end (akmon run: kernel -> aggregate in Elasticsearch, last fork of a storm -> alert):");
            try {
                pipeline.add(new PipelineSuite(cliJar, workload, quick ? 3 : Math.max(reps, 8), "10s").run(progress));
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
        if (wants("jmh") && !noJmh) {
            progress.println("jmh (hot paths):");
            jmh = runJmh();
            jmh.forEach(progress::println);
        }
        Report.write(out, machine, overhead, throughput, kafka, flink, scenarios, pipeline, idle, peak, jmh, reps, notes);
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
