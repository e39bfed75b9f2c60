package io.akmon.flink.fold;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.Records;
import io.akmon.flink.testing.WindowHarness;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.Records.disk;
import static io.akmon.flink.testing.Records.exit;
import static io.akmon.flink.testing.Records.fork;
import static io.akmon.flink.testing.Records.hist;
import static io.akmon.flink.testing.Records.lost;
import static io.akmon.flink.testing.Records.memory;
import static io.akmon.flink.testing.Records.net;
import static io.akmon.flink.testing.Records.syscall;

/**
 * Writes the savepoint fixture of the keyed operator ({@link FoldOperator}) that
 * {@code SavepointCompatibilityTest} restores: a canonical savepoint taken halfway through a fixed
 * stream (windows emitted and open, gaps pending in deduplication, live processes in the host history).
 * Run it from the module directory once per state format, and keep the file of every earlier format:
 * {@code java -cp <test classpath> io.akmon.flink.fold.SavepointFixture src/test/resources/savepoints}
 */
public final class SavepointFixture {
    /** The fixture of state format 1: no host CPU and memory figures, no memory samples carried across windows. */
    public static final String FORMAT_1 = "savepoints/fold-operator-format-1.snapshot";
    /** The fixture of state format 2: host CPU and memory; pending records as ranges; no process context, no UDP. */
    public static final String FORMAT_2 = "savepoints/fold-operator-format-2.snapshot";
    /** The fixture of state format 3, written from {@code stream(true)}: process context, UDP, the bitmap tracker. */
    public static final String FORMAT_3 = "savepoints/fold-operator-format-3.snapshot";
    /** The fixture of state format 4 (this build), written from {@code stream(true)}: process folds written compactly. */
    public static final String FORMAT_4 = "savepoints/fold-operator-format-4.snapshot";
    public static final List<Duration> SIZES = List.of(Duration.ofSeconds(10), Duration.ofMinutes(1));
    public static final Duration LATENESS = Duration.ofSeconds(5);
    public static final Duration PROCESS_IDLE = Duration.ofMinutes(10);
    public static final Duration STREAM_IDLE = Duration.ofHours(1);
    static final long T0 = 1_767_225_600_000L;

    private SavepointFixture() {
    }

    /** The fixed stream of formats 1 and 2. */
    public static List<Event> stream() {
        return stream(false);
    }

    /**
     * The fixed stream: 3 hosts, 2 CPUs each, some records lost, some twice, in arrival order. With
     * {@code udp}, every other net record is a UDP pair's instead and every host reports an interface
     * every 5 s (the random choices stay the same).
     */
    public static List<Event> stream(boolean udp) {
        Random rnd = new Random(2026);
        List<Event> out = new ArrayList<>();
        long[][] seq = new long[3][3];
        for (long t = 0; t < 80_000; t += 250) {
            for (int h = 0; h < 3; h++) {
                String host = "sp-" + h;
                int cpu = rnd.nextInt(2);
                int pid = 500 + rnd.nextInt(4);
                long s = ++seq[h][cpu];
                if (rnd.nextInt(40) == 0) {
                    continue;   // lost before Kafka
                }
                long ts = T0 + t + rnd.nextInt(200);
                Event e = switch (rnd.nextInt(8)) {
                    case 0 -> fork(host, cpu, s, ts, pid, 1, "w" + pid);
                    case 1 -> exit(host, cpu, s, ts, pid, "w" + pid, rnd.nextInt(2), 0, 1_000_000L);
                    case 2 -> memory(host, cpu, s, ts, pid, "w" + pid, 4096L * rnd.nextInt(100), 409_600, 3);
                    case 3 -> disk(host, cpu, s, ts, pid, "w" + pid, "vda", "read", 2, 8192, 5_000, hist(3, 2));
                    case 4 -> udp && s % 2 == 0 ? Records.udp(host, cpu, s, ts, pid, "w" + pid, "u" + pid, 2, 30, 1, 7)
                            : net(host, cpu, s, ts, pid, "w" + pid, "stats", "k" + pid, 10, 20, 0);
                    case 5 -> syscall(host, cpu, s, ts, pid, "w" + pid, "read", 7, 1);
                    default -> cpu(host, cpu, s, ts, pid, "w" + pid, 1_000_000L * rnd.nextInt(100));
                };
                out.add(e);
                if (rnd.nextInt(10) == 0) {
                    out.add(e);  // delivered twice
                }
            }
            if (udp && t % 5_000 == 0) {
                for (int h = 0; h < 3; h++) {
                    out.add(Records.iface("sp-" + h, ++seq[h][2], T0 + t + 100, "eth0", 1000 + t, 2000, 10, 20, t % 3, 0, 1, 0));
                }
            }
            if (t % 20_000 == 0) {
                out.add(lost("sp-0", ++seq[0][2], T0 + t, "syscall_map", 3));
            }
        }
        return out;
    }

    /** Where the snapshot is taken. */
    public static int split(List<Event> stream) {
        return stream.size() / 2;
    }

    /** Feeds records [from, to) with the watermark 1 s behind, as a source would. */
    public static void feed(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h, List<Event> stream,
                            int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            Event e = stream.get(i);
            h.processElement(e, e.timestampMillis());
            if (i % 20 == 0) {
                h.processWatermark(e.timestampMillis() - 1_000);
            }
        }
    }

    public static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> harness() throws Exception {
        return WindowHarness.of(SIZES, LATENESS, PROCESS_IDLE, STREAM_IDLE, null);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/savepoints");
        Files.createDirectories(dir);
        List<Event> stream = stream(true);
        try (KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = harness()) {
            feed(h, stream, 0, split(stream));
            h.prepareSnapshotPreBarrier(1);
            var snapshot = h.snapshotWithLocalState(1, 1, SavepointType.savepoint(SavepointFormatType.CANONICAL));
            Path file = dir.resolve(Path.of(FORMAT_4).getFileName());
            OperatorSnapshotUtil.writeStateHandle(snapshot.getJobManagerOwnedState(), file.toString());
            System.out.println("wrote " + file + " (" + Files.size(file) + " bytes) after " + split(stream)
                    + " records and " + h.extractOutputValues().size() + " documents, e.g. "
                    + Json.MAPPER.writeValueAsString(h.extractOutputValues().get(0)));
        }
    }
}
