package io.akmon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.embedded.EmbeddedKafka;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The design's load scenarios (light, normal, heavy, spike) made of stress-ng, fio and iperf3, each run
 * with nothing watching and under the agent (all families, Kafka sink to a real broker), interleaved.
 * Overhead = each tool's work rate under the agent over its rate unwatched (throttled tools show the
 * CPU they can spare, not a slowdown: their rate is fixed, see the agent CPU column instead); loss and
 * latency as in {@link KafkaSuite}.
 */
final class ScenarioSuite {
    record Scenario(String name, String description, List<Tool> tools) {
    }

    /** One load tool: its command line (duration appended by {@link #command}) and how to read its rate. */
    record Tool(String name, String unit, List<String> args) {
    }

    record Result(Scenario scenario, Map<String, Stats> noneRate, Map<String, Stats> akmonRate, Stats agentCpuPctOfHost,
                  Stats brokerCpuPctOfHost,
                  Stats recordsPerSec, long kernelRecords, long reportedLost, long unaccounted, Stats p50Ms, Stats p99Ms) {
        double ratio(String tool) {
            return akmonRate.get(tool).median() / noneRate.get(tool).median();
        }
    }

    private final boolean quick;
    private final int reps;
    private final Path scratch;

    ScenarioSuite(boolean quick, int reps, Path scratch) {
        this.quick = quick;
        this.reps = reps;
        this.scratch = scratch;
    }

    List<Scenario> scenarios() {
        String file = scratch.resolve("fio.dat").toString();
        List<String> fio = List.of("fio", "--name=akmon-bench", "--filename=" + file, "--size=128m", "--bs=4k",
                "--ioengine=psync", "--output-format=json", "--time_based");
        return List.of(
                new Scenario("light", "a quarter of a core busy, 1 MB/s random writes, 10 Mbit/s over loopback", List.of(
                        new Tool("stress-ng", "bogo ops/s", List.of("stress-ng", "--cpu", "1", "--cpu-load", "25", "--metrics-brief")),
                        new Tool("fio", "IOPS", concat(fio, "--rw=randwrite", "--rate=1m")),
                        new Tool("iperf3", "Mbit/s", List.of("iperf3", "-c", "127.0.0.1", "-J", "-b", "10M")))),
                new Scenario("normal", "half a core busy plus a fork loop, 10 MB/s random read/write, 200 Mbit/s", List.of(
                        new Tool("stress-ng", "bogo ops/s", List.of("stress-ng", "--cpu", "1", "--cpu-load", "50", "--fork", "1",
                                "--metrics-brief")),
                        new Tool("fio", "IOPS", concat(fio, "--rw=randrw", "--rate=5m,5m")),
                        new Tool("iperf3", "Mbit/s", List.of("iperf3", "-c", "127.0.0.1", "-J", "-b", "200M")))),
                new Scenario("heavy", "both cores saturated: CPU, fork, context switches, unthrottled disk and loopback", List.of(
                        new Tool("stress-ng", "bogo ops/s", List.of("stress-ng", "--cpu", "2", "--fork", "2", "--switch", "1",
                                "--metrics-brief")),
                        new Tool("fio", "IOPS", concat(fio, "--rw=randrw")),
                        new Tool("iperf3", "Mbit/s", List.of("iperf3", "-c", "127.0.0.1", "-J")))),
                // stress-ng's exec stressor refuses to run as root, so the storm is fork and vfork
                new Scenario("spike", "process storm: 4 fork and 2 vfork loops at full speed", List.of(
                        new Tool("stress-ng", "bogo ops/s", List.of("stress-ng", "--fork", "4", "--vfork", "2", "--metrics-brief")))));
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(b));
        return l;
    }

    private int seconds() {
        return quick ? 4 : 10;
    }

    private List<String> command(Tool t) {
        List<String> c = new ArrayList<>(t.args());
        switch (t.name()) {
            case "stress-ng" -> c.addAll(List.of("--timeout", seconds() + "s"));
            case "fio" -> c.add("--runtime=" + seconds());
            default -> c.addAll(List.of("-t", Integer.toString(seconds())));
        }
        return c;
    }

    List<Result> run(PrintStream progress) throws Exception {
        for (String tool : List.of("stress-ng", "fio", "iperf3")) {
            if (!onPath(tool)) {
                progress.println("  " + tool + " is not installed (./akmon bench installs it): load scenarios skipped");
                return List.of();
            }
        }
        Files.createDirectories(scratch);
        List<Result> results = new ArrayList<>();
        Process server = new ProcessBuilder("iperf3", "-s", "-p", "5201").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (EmbeddedKafka kafka = KafkaSuite.startBroker()) {
            Thread.sleep(500);
            int round = 0;
            for (Scenario sc : scenarios()) {
                Map<String, List<Double>> none = new LinkedHashMap<>();
                Map<String, List<Double>> akmon = new LinkedHashMap<>();
                List<Double> cpu = new ArrayList<>();
                List<Double> broker = new ArrayList<>();
                List<Double> rate = new ArrayList<>();
                List<Double> p50 = new ArrayList<>();
                List<Double> p99 = new ArrayList<>();
                long kernel = 0;
                long lost = 0;
                long unaccounted = 0;
                for (int r = 0; r < reps; r++) {
                    Map<String, Double> n = runTools(sc);
                    n.forEach((k, v) -> none.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                    Map<String, Double>[] a = new Map[1];
                    round++;
                    KafkaSuite.Result k = KafkaSuite.measure(kafka, "scenario" + round + ".", sc.name(), 0,
                            List.of(), () -> a[0] = runTools(sc));
                    a[0].forEach((t, v) -> akmon.computeIfAbsent(t, x -> new ArrayList<>()).add(v));
                    double hostPct = k.agentCpuPct() / Runtime.getRuntime().availableProcessors();
                    cpu.add(hostPct);
                    broker.add(k.brokerCpuPct() / Runtime.getRuntime().availableProcessors());
                    rate.add(k.kernelRatePerSec());
                    p50.add(k.latencyMs().median());
                    p99.add(k.p99Ms());
                    kernel += k.kernelRecords();
                    lost += k.reportedLost();
                    unaccounted += k.unaccounted();
                    progress.printf("  %-6s rep %d/%d: none %s; akmon %s; agent %.2f%% of the host's CPU (broker and bench %.1f%%); %,.0f kernel records/s, "
                                    + "%,d reported lost, %,d unaccounted, kernel->Kafka p50 %.1f ms p99 %.1f ms%n",
                            sc.name(), r + 1, reps, rates(n), rates(a[0]), hostPct, broker.get(r), k.kernelRatePerSec(), k.reportedLost(),
                            k.unaccounted(), k.latencyMs().median(), k.p99Ms());
                }
                Map<String, Stats> ns = new LinkedHashMap<>();
                Map<String, Stats> as = new LinkedHashMap<>();
                none.forEach((k, v) -> ns.put(k, Stats.of(v)));
                akmon.forEach((k, v) -> as.put(k, Stats.of(v)));
                results.add(new Result(sc, ns, as, Stats.of(cpu), Stats.of(broker), Stats.of(rate), kernel, lost, unaccounted, Stats.of(p50), Stats.of(p99)));
            }
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
            Files.deleteIfExists(scratch.resolve("fio.dat"));
        }
        return results;
    }

    private static String rates(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format("%,.0f", v)));
        return b.toString();
    }

    /** Runs the scenario's tools side by side for the duration; returns each tool's rate. */
    private Map<String, Double> runTools(Scenario sc) throws Exception {
        List<Process> procs = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        for (Tool t : sc.tools()) {
            Path out = Files.createTempFile("akmon-bench-" + t.name(), ".out");
            outs.add(out);
            procs.add(new ProcessBuilder(command(t)).redirectErrorStream(true).redirectOutput(out.toFile()).start());
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        for (int i = 0; i < procs.size(); i++) {
            Process p = procs.get(i);
            if (!p.waitFor(seconds() + 60L, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            String text = Files.readString(outs.get(i), StandardCharsets.UTF_8);
            Files.deleteIfExists(outs.get(i));
            rates.put(sc.tools().get(i).name(), parse(sc.tools().get(i).name(), text));
        }
        return rates;
    }

    /** The tool's work rate from its output (NaN if it printed none). */
    static double parse(String tool, String text) {
        try {
            switch (tool) {
                case "stress-ng": {
                    // stress-ng: metrc: [pid] cpu   991   2.06  0.42  0.00   480.17  2340.31
                    double sum = 0;
                    for (String line : text.split("\n")) {
                        String[] f = line.trim().split("\\s+");
                        if (line.contains("metrc:") && f.length >= 10 && f[4].matches("[0-9.]+") && f[8].matches("[0-9.]+")) {
                            sum += Double.parseDouble(f[8]);
                        }
                    }
                    return sum > 0 ? sum : Double.NaN;
                }
                case "fio": {
                    JsonNode j = new ObjectMapper().readTree(text.substring(text.indexOf('{')));
                    double iops = 0;
                    for (JsonNode job : j.path("jobs")) {
                        iops += job.path("read").path("iops").asDouble() + job.path("write").path("iops").asDouble();
                    }
                    return iops;
                }
                default: {
                    JsonNode j = new ObjectMapper().readTree(text.substring(text.indexOf('{')));
                    return j.path("end").path("sum_received").path("bits_per_second").asDouble() / 1e6;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
