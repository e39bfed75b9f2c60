package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.WindowHarness;
import io.akmon.flink.fold.FoldSerializers;
import io.akmon.flink.fold.Totals;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.Records.exit;
import static io.akmon.flink.testing.Records.fork;
import static io.akmon.flink.testing.Records.lost;
import static io.akmon.flink.testing.Records.memory;
import static io.akmon.flink.testing.Records.syscall;
import static io.akmon.flink.testing.WindowHarness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The host keeps its per-process figures in window state, one entry per process, and its totals free
 * of them: the figures are the same on either state backend, and what is read and
 * written per record does not grow with the processes on the host.
 */
class HostWindowStateTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration LATENESS = Duration.ofSeconds(5);

    private static Totals accumulate(int processes) {
        Totals acc = new Totals();
        for (int i = 0; i < 1_000; i++) {
            int pid = 100 + i % processes;
            long ts = 1_000 + i;
            Event e = switch (i % 5) {
                case 0 -> fork("h1", 0, i, ts, pid, 1, "w");
                case 1 -> memory("h1", 0, i, ts, pid, "w", 4_096, 8_192, 1);
                case 2 -> syscall("h1", 0, i, ts, pid, "w", "read", 3, 1);
                case 3 -> cpu("h1", 0, i, ts, pid, "w", 1_000);
                default -> exit("h1", 0, i, ts, pid, "w", 0, 0, 10);
            };
            acc.add(e, e.streamKey());
        }
        return acc;
    }

    private static int serializedSize(Totals f) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        FoldSerializers.TotalsSerializer.INSTANCE.serialize(f, out);
        return out.length();
    }

    @Test
    void theHostAccumulatorDoesNotGrowWithTheProcessesOnTheHost() throws Exception {
        Totals one = accumulate(1);
        Totals many = accumulate(500);
        assertEquals(1_000, many.records);
        assertEquals(200, many.forks);
        assertEquals(serializedSize(one), serializedSize(many));
    }

    /** Per-process figures across an on-time firing and two late ones; returns every emitted version. */
    private static List<HostAggregate> run(StateBackend backend) throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = WindowHarness.of(
                List.of(WINDOW), LATENESS, Duration.ofSeconds(30), Duration.ofSeconds(60), backend)) {
            send(h,
                    fork("h1", 0, 1, 1_000, 100, 1, "a"),
                    memory("h1", -1, 2, 3_000, 100, "a", 700, 700, 1),
                    // An older sample of 100 arriving after a newer one does not replace it.
                    memory("h1", -1, 1, 2_000, 100, "a", 500, 500, 1),
                    memory("h1", -1, 3, 4_000, 101, "b", 300, 300, 1),
                    // Loss reports carry no process (this one on a stream of its own: the operator deduplicates).
                    lostOn(-2, lost("h1", 1, 5_000, "syscall_map", 2)),
                    exit("h1", 0, 2, 6_000, 101, "b", 0, 0, 1));
            h.processWatermark(9_999);
            // Late, within the allowed lateness: a new process, then a sample of 100 at the same time
            // with a higher seq, which is the later one.
            send(h, cpu("h1", -1, 4, 8_000, 102, "c", 1));
            send(h, memory("h1", -1, 5, 3_000, 100, "a", 900, 900, 1));
            h.processWatermark(9_999 + LATENESS.toMillis());
            assertEquals(1, h.numEventTimeTimers(), "only the host's idle timer");
            if (backend == null) {
                // The window's per-process state went with the window: only the host's history (sequence
                // map and live-process map: 100 and 102 live, 101's tombstone), its dedup state and the
                // sessions of the live processes remain.
                assertEquals(0, WindowHarness.windowStateEntries(h, "10s"));
                assertEquals(3, h.numKeyedStateEntries());
            }
            return WindowHarness.outputs(h, HostAggregate.KIND);
        }
    }

    private static Event lostOn(int cpu, Event e) {
        e.cpu = cpu;
        return e;
    }

    @Test
    void perProcessFiguresComeFromTheWindowStateOnBothBackends() throws Exception {
        List<HostAggregate> heap = run(null);
        assertEquals(3, heap.size());
        HostAggregate onTime = heap.get(0);
        assertEquals(6, onTime.records);
        assertEquals(2, onTime.missing);
        assertEquals(2, onTime.activeProcesses);
        assertEquals(1, onTime.liveProcesses);
        assertEquals(700 + 300, onTime.rssBytes);
        HostAggregate late = heap.get(1);
        assertEquals(3, late.activeProcesses);
        assertEquals(2, late.liveProcesses);
        assertEquals(1_000, late.rssBytes);
        HostAggregate later = heap.get(2);
        assertEquals(8, later.records);
        assertEquals(2, later.missing);
        assertEquals(3, later.activeProcesses);
        assertEquals(900 + 300, later.rssBytes);

        List<HostAggregate> rocks = run(new EmbeddedRocksDBStateBackend());
        assertEquals(heap.size(), rocks.size());
        for (int i = 0; i < heap.size(); i++) {
            assertEquals(Json.MAPPER.writeValueAsString(heap.get(i)), Json.MAPPER.writeValueAsString(rocks.get(i)));
        }
    }
}
