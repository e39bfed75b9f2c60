package io.akmon.agent.metrics;

import io.akmon.agent.loader.ProgramCost;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The agent's figures as Prometheus metrics, read afresh at every scrape from small sources, so
 * that new figures plug in without touching this class:
 * <ul>
 *   <li>{@code health}: the health record's figures (name -> number or boolean), exported as
 *       {@code akmon_agent_<name>}; names in {@code counters} are counters ({@code _total}), the rest gauges;
 *   <li>{@code programs}: per-program kernel cost, as {@code akmon_bpf_program_*{program="..."}};
 *   <li>{@code losses}: records lost by source (kernel side and sink side), as
 *       {@code akmon_lost_records_total{source="..."}};
 *   <li>{@code records}: records handed to the sink by family, as {@code akmon_records_total{type="..."}}.
 * </ul>
 * README.md lists the names.
 */
public final class AgentCollector implements MultiCollector {
    public static final String PREFIX = "akmon_agent_";

    private final Supplier<Map<String, ?>> health;
    private final Set<String> counters;
    private final Supplier<List<ProgramCost>> programs;
    private final Supplier<Map<String, Long>> losses;
    private final Supplier<Map<String, Long>> records;
    private final Map<String, ProgramSample> lastSample = new LinkedHashMap<>();

    private record ProgramSample(long runs, long nanoTime, double runsPerSecond) {
    }

    public AgentCollector(Supplier<Map<String, ?>> health, Set<String> counters, Supplier<List<ProgramCost>> programs,
                          Supplier<Map<String, Long>> losses, Supplier<Map<String, Long>> records) {
        this.health = health != null ? health : Collections::emptyMap;
        this.counters = counters;
        this.programs = programs != null ? programs : List::of;
        this.losses = losses != null ? losses : Collections::emptyMap;
        this.records = records != null ? records : Collections::emptyMap;
    }

    @Override
    public synchronized MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        for (Map.Entry<String, ?> e : new TreeMap<>(health.get()).entrySet()) {
            Double v = number(e.getValue());
            if (v == null) {
                continue; // text fields (none today) are not metrics
            }
            String name = PrometheusNaming.sanitizeMetricName(PREFIX + e.getKey());
            String help = "Field " + e.getKey() + " of the agent's health record";
            out.add(counters.contains(e.getKey()) ? counter(name, help, Labels.EMPTY, v) : gauge(name, help, Labels.EMPTY, v));
        }
        addPrograms(out);
        out.add(labelledCounter("akmon_lost_records", "Records lost, by where they were lost (the lost records' source)",
                "source", losses.get()));
        out.add(labelledCounter("akmon_records", "Records the agent handed to its sink, by family", "type", records.get()));
        return new MetricSnapshots(out);
    }

    private void addPrograms(List<MetricSnapshot> out) {
        List<ProgramCost> costs = programs.get();
        if (costs.isEmpty()) {
            return;
        }
        CounterSnapshot.Builder runs = CounterSnapshot.builder().name("akmon_bpf_program_runs")
                .help("Runs of a BPF program the agent loaded (kernel.bpf_stats_enabled)");
        CounterSnapshot.Builder time = CounterSnapshot.builder().name("akmon_bpf_program_run_time_seconds")
                .help("Time the kernel spent in a BPF program the agent loaded");
        GaugeSnapshot.Builder nsPerRun = GaugeSnapshot.builder().name("akmon_bpf_program_ns_per_run")
                .help("Mean ns per run of a BPF program since it was loaded");
        GaugeSnapshot.Builder runsPerSecond = GaugeSnapshot.builder().name("akmon_bpf_program_runs_per_second")
                .help("Runs per second of a BPF program between the last two scrapes");
        long now = System.nanoTime();
        for (ProgramCost c : costs) {
            Labels l = Labels.of("program", c.program());
            runs.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(c.runCount()).build());
            time.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(c.runTimeNs() / 1e9).build());
            nsPerRun.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l).value(c.nsPerRun()).build());
            ProgramSample prev = lastSample.get(c.program());
            double rate = prev == null ? 0 : prev.runsPerSecond;
            if (prev != null && now - prev.nanoTime > 100_000_000L) {
                rate = (c.runCount() - prev.runs) * 1e9 / (now - prev.nanoTime);
            }
            if (prev == null || now - prev.nanoTime > 100_000_000L) {
                lastSample.put(c.program(), new ProgramSample(c.runCount(), now, rate));
            }
            runsPerSecond.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l).value(rate).build());
        }
        out.add(runs.build());
        out.add(time.build());
        out.add(nsPerRun.build());
        out.add(runsPerSecond.build());
    }

    private static Double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1.0 : 0.0;
        }
        return null;
    }

    private static MetricSnapshot counter(String name, String help, Labels labels, double v) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(v).build()).build();
    }

    private static MetricSnapshot gauge(String name, String help, Labels labels, double v) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(v).build()).build();
    }

    private static MetricSnapshot labelledCounter(String name, String help, String label, Map<String, Long> values) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        new TreeMap<>(values).forEach((k, v) ->
                b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of(label, k)).value(v).build()));
        return b.build();
    }
}
