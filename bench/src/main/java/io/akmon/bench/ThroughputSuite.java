package io.akmon.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.akmon.agent.Agent;
import io.akmon.agent.AgentSettings;
import io.akmon.agent.event.Event;
import io.akmon.agent.publish.EventSink;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Agent throughput: kernel records per second carried through decode and JSON serialization, with
 * every loss accounted for, for the ring buffer and the perf buffer. Load comes from parallel
 * fork/exit storms; the agent runs in this JVM so its reader and drain threads' CPU can be read.
 */
final class ThroughputSuite {
    record Result(String transport, int generators, double recordsPerSec, long records, long lost,
                  double agentCpuPct, double cpuPctPer100k, long heapBytes) {
    }

    /** Serializes every record as the Kafka sink would, and counts. */
    static final class CountingSink implements EventSink {
        final AtomicLong kernelRecords = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        private final JsonGenerator json;

        CountingSink() {
            try {
                json = new JsonFactory().createGenerator(buf);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public synchronized void accept(Event e) {
            try {
                e.writeJson(json);
                json.flush();
                bytes.addAndGet(buf.size());
                buf.reset();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            if (e.cpu() >= 0) {
                kernelRecords.incrementAndGet();
            } else if (e.type() == EventType.LOST) {
                lost.addAndGet(e.getLong(Fields.LOST));
            }
        }
    }

    static final String RINGBUF_EACH = "ringbuf, wakeup per record";

    private final Path workloadBinary;
    private final boolean quick;

    ThroughputSuite(Path workloadBinary, boolean quick) {
        this.workloadBinary = workloadBinary;
        this.quick = quick;
    }

    List<Result> run(java.io.PrintStream progress) throws Exception {
        List<Result> results = new ArrayList<>();
        int forksPerGenerator = quick ? 5_000 : 20_000;
        // "ringbuf, wakeup per record" is the ring buffer as it was before batched wakeups: the baseline of that fix
        for (String variant : List.of(RINGBUF_EACH, "ringbuf", "perf")) {
            for (int generators : new int[] {1, 2, 4}) {
                AgentSettings s = new AgentSettings();
                s.transport = variant.equals("perf") ? AgentSettings.Transport.PERF : AgentSettings.Transport.RINGBUF;
                if (variant.equals(RINGBUF_EACH)) {
                    s.ringbufWakeupBytes = 0;
                }
                s.pinDir = "";
                s.families = List.of("process"); // records through the buffer; the other families aggregate in the kernel
                CountingSink sink = new CountingSink();
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                try (Agent agent = Agent.start(s, sink, System.err)) {
                    long cpu0 = agentThreadsCpuNs(threads);
                    List<LoadGenerator> gens = new ArrayList<>();
                    for (int g = 0; g < generators; g++) {
                        gens.add(new LoadGenerator(workloadBinary, List.of("forks", Integer.toString(forksPerGenerator))));
                    }
                    long t0 = System.nanoTime();
                    gens.forEach(LoadGenerator::go);
                    gens.forEach(LoadGenerator::awaitDone);
                    agent.sync();
                    long ns = System.nanoTime() - t0;
                    long cpu = agentThreadsCpuNs(threads) - cpu0;
                    gens.forEach(LoadGenerator::finish);
                    agent.sync();
                    double rate = sink.kernelRecords.get() * 1e9 / ns;
                    double cpuPct = 100.0 * cpu / ns;
                    Runtime rt = Runtime.getRuntime();
                    Result r = new Result(variant, generators, rate, sink.kernelRecords.get(),
                            sink.lost.get(), cpuPct, rate > 0 ? cpuPct / (rate / 100_000) : 0, rt.totalMemory() - rt.freeMemory());
                    progress.printf("  %-26s x%d: %,.0f records/s, %d lost, agent %.1f%% CPU%n",
                            r.transport(), generators, rate, r.lost(), cpuPct);
                    results.add(r);
                }
            }
        }
        return results;
    }

    /** CPU of the agent's own threads (reader and drain), ns. */
    private static long agentThreadsCpuNs(ThreadMXBean mx) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("akmon-")) {
                long c = mx.getThreadCpuTime(t.getId());
                if (c > 0) {
                    sum += c;
                }
            }
        }
        return sum;
    }
}
