package io.akmon.flink.testing;

import io.akmon.flink.alert.Alert;
import io.akmon.flink.alert.AlertJob;
import io.akmon.flink.alert.AlertOptions;
import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.Envelope;
import io.akmon.flink.ingest.EnvelopeDeserializer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The alert job's counterpart of {@link ThroughputProbe}: the same records, the job's own topology with
 * the default rules over events only (as the bench runs it), alerts and dead letters discarded. Records per
 * core are the extra records over the extra CPU time between a small and a large run after a warm-up.
 *
 * <p>Usage: {@code AlertThroughputProbe [large records] [small records] [extra job flags...]}
 */
public final class AlertThroughputProbe {
    private static volatile List<byte[]> input;

    private AlertThroughputProbe() {
    }

    static long[] run(List<byte[]> records, int n, List<String> extra) throws Exception {
        Path ckpt = Files.createTempDirectory("akmon-probe-ckpt");
        List<String> args = new ArrayList<>(List.of("--parallelism", "1", "--checkpoint-dir", ckpt.toUri().toString(),
                "--aggregates-topic="));
        args.addAll(extra);
        AlertOptions o = AlertOptions.parse(args.toArray(new String[0]));
        EnvelopeDeserializer parser = new EnvelopeDeserializer();
        input = records;
        GeneratorFunction<Long, Envelope> gen = i -> parser.toEnvelope(input.get((int) (long) i), "probe", 0, i);
        DataGeneratorSource<Envelope> source = new DataGeneratorSource<>(gen, n, TypeInformation.of(Envelope.class));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(AlertJob.flinkConfiguration(o));
        AlertJob job = new AlertJob(o, AlertJob.loadRules(o), source, null, List.of(new DiscardingSink<Alert>()),
                new DiscardingSink<DeadLetter>());
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        job.execute(env);
        return new long[] {System.nanoTime() - t0, os.getProcessCpuTime() - cpu0};
    }

    public static void main(String[] args) throws Exception {
        int large = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int small = args.length > 1 ? Integer.parseInt(args[1]) : large / 10;
        List<String> extra = args.length > 2 ? List.of(args).subList(2, args.length) : List.of();
        List<byte[]> records = ThroughputProbe.records(large);
        run(records, small, extra); // warm-up
        long[] s = run(records, small, extra);
        long[] l = run(records, large, extra);
        double cpuS = (l[1] - s[1]) / 1e9;
        double wallS = (l[0] - s[0]) / 1e9;
        System.out.printf("PROBE alert records=%d-%d: %.0f records/s per core (%.2f extra CPU s), %.0f records/s wall%n",
                large, small, (large - small) / cpuS, cpuS, (large - small) / wallS);
    }
}
