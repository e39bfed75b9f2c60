package io.akmon.flink.testing;

import io.akmon.flink.AggregationJob;
import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.Envelope;
import io.akmon.flink.ingest.EnvelopeDeserializer;
import io.akmon.flink.ingest.Event;
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
 * A quick, in-process throughput check of the aggregation job: pre-serialized agent records (4 hosts x
 * 2 CPUs x 500 processes, cpu and syscall records every second plus fork/exec/exit churn, the bench's
 * density) parsed by the job's own deserializer in the source, the whole topology, output discarded.
 * Records per core are the extra records over the extra CPU time of this process between a small and a
 * large run after a warm-up, so start-up cancels out. Not a benchmark (that is ./akmon bench): a probe
 * for comparing two builds back to back on one machine.
 *
 * <p>Usage: {@code ThroughputProbe heap|rocksdb [large records] [small records] [extra job flags...]}; with
 * {@code -Dprobe.rate=N} the source sends N records per second (CPU per record is still what is measured).
 */
public final class ThroughputProbe {
    /** The records, shared with the generator through a static field: the MiniCluster runs in this JVM. */
    private static volatile List<byte[]> input;

    private ThroughputProbe() {
    }

    /** Agent records in event-time order, one per 250 us of event time (4,000 records/s across 4 hosts). */
    public static List<byte[]> records(int n) {
        long base = (System.currentTimeMillis() - 3_600_000L) / 60_000 * 60_000;
        long[][] seq = new long[4][2];
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int hostNo = i % 4;
            int cpu = (i / 4) % 2;
            String host = "bench-" + hostNo;
            int pid = 1000 + (i / 8) % 500;
            long tsMs = base + i / 4;
            long s = ++seq[hostNo][cpu];
            String comm = "worker-" + pid % 50;
            int kind = (i / 40) % 10;
            Event e = switch (kind) {
                case 0 -> Records.fork(host, cpu, s, tsMs, pid, 1, comm);
                case 1 -> Records.exec(host, cpu, s, tsMs, pid, comm);
                case 2 -> Records.exit(host, cpu, s, tsMs, pid, comm, 0, 0, 5_000_000_000L);
                case 3, 4, 5 -> Records.cpu(host, cpu, s, tsMs, pid, comm, 10_000_000L);
                default -> Records.syscall(host, cpu, s, tsMs, pid, comm, i % 3 == 0 ? "write" : "read", 120, 2);
            };
            e.bootId = "boot-" + hostNo;
            out.add(Records.json(e));
        }
        return out;
    }

    /** Runs the job over the first {@code n} records; returns {wall ns, process CPU ns}. */
    static long[] run(List<byte[]> records, int n, String backend, List<String> extra) throws Exception {
        Path ckpt = Files.createTempDirectory("akmon-probe-ckpt");
        List<String> args = new ArrayList<>(List.of("--parallelism", "1", "--state-backend", backend,
                "--checkpoint-dir", ckpt.toUri().toString(), "--sinks", "kafka"));
        args.addAll(extra);
        JobOptions o = JobOptions.parse(args.toArray(new String[0]));
        EnvelopeDeserializer parser = new EnvelopeDeserializer();
        input = records;
        GeneratorFunction<Long, Envelope> gen = i -> parser.toEnvelope(input.get((int) (long) i), "probe", 0, i);
        // -Dprobe.rate=N: records per second of wall time, so the watermark advances at a deployment's pace
        // (a source reading as fast as it can moves it by whole windows per watermark interval).
        long rate = Long.getLong("probe.rate", 0);
        DataGeneratorSource<Envelope> source = rate > 0
                ? new DataGeneratorSource<>(gen, n, new SteppedRate(rate), TypeInformation.of(Envelope.class))
                : new DataGeneratorSource<>(gen, n, TypeInformation.of(Envelope.class));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                AggregationJob.flinkConfiguration(o));
        AggregationJob job = new AggregationJob(o, source, new DiscardingSink<Aggregate>(),
                new DiscardingSink<DeadLetter>());
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        job.execute(env);
        return new long[] {System.nanoTime() - t0, os.getProcessCpuTime() - cpu0};
    }

    /**
     * {@code rate} records per second, checked every {@value #STEP} records: Flink's own
     * {@code RateLimiterStrategy.perSecond} hands every record to an executor and back (a third of the
     * source thread's CPU in a profile), which a probe of the job's cost must not measure.
     */
    static final class SteppedRate implements org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy {
        private static final long serialVersionUID = 1L;
        static final int STEP = 1_000;
        private final long rate;

        SteppedRate(long rate) {
            this.rate = rate;
        }

        @Override
        public org.apache.flink.api.connector.source.util.ratelimit.RateLimiter createRateLimiter(int parallelism) {
            long perSubtask = Math.max(1, rate / parallelism);
            return new org.apache.flink.api.connector.source.util.ratelimit.RateLimiter() {
                private final long startNs = System.nanoTime();
                private long records;

                @Override
                public java.util.concurrent.CompletionStage<Void> acquire() {
                    if (++records % STEP != 0) {
                        return java.util.concurrent.CompletableFuture.completedFuture(null);
                    }
                    long aheadNs = startNs + records * 1_000_000_000L / perSubtask - System.nanoTime();
                    return aheadNs <= 0 ? java.util.concurrent.CompletableFuture.completedFuture(null)
                            : java.util.concurrent.CompletableFuture.runAsync(() -> { },
                                    java.util.concurrent.CompletableFuture.delayedExecutor(aheadNs, java.util.concurrent.TimeUnit.NANOSECONDS));
                }
            };
        }
    }

    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : "heap";
        int large = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int small = args.length > 2 ? Integer.parseInt(args[2]) : large / 10;
        List<String> extra = args.length > 3 ? List.of(args).subList(3, args.length) : List.of();
        List<byte[]> records = records(large);
        run(records, small, backend, extra); // warm-up
        long[] s = run(records, small, backend, extra);
        long[] l = run(records, large, backend, extra);
        double cpuS = (l[1] - s[1]) / 1e9;
        double wallS = (l[0] - s[0]) / 1e9;
        System.out.printf("PROBE backend=%s records=%d-%d: %.0f records/s per core (%.2f extra CPU s), %.0f records/s wall%n",
                backend, large, small, (large - small) / cpuS, cpuS, (large - small) / wallS);
    }
}
