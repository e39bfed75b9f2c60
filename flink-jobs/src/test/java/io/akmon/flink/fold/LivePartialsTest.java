package io.akmon.flink.fold;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.ProcessAggregate;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.WindowHarness;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

import static io.akmon.flink.testing.Records.cpu;
import static io.akmon.flink.testing.Records.fork;
import static io.akmon.flink.testing.WindowHarness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fold operator's live partials: open windows only, every live interval, replaced by the final documents. */
class LivePartialsTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration LATENESS = Duration.ofSeconds(5);
    private static final long LIVE_MS = 500;

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> harness() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = new KeyedOneInputStreamOperatorTestHarness<>(
                new FoldOperator(List.of(WINDOW), LATENESS, WINDOW.plus(LATENESS), Duration.ofHours(1),
                        Duration.ofMinutes(10), Duration.ofMillis(LIVE_MS)), e -> e.host, Types.STRING);
        h.getExecutionConfig().disableGenericTypes();
        h.setProcessingTime(0);
        h.open();
        return h;
    }

    /** The live partials emitted since the last call, in order. */
    private static List<Aggregate> live(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h) {
        Queue<StreamRecord<Aggregate>> q = h.getSideOutput(FoldOperator.LIVE);
        List<Aggregate> out = new ArrayList<>();
        if (q != null) {
            for (StreamRecord<Aggregate> r = q.poll(); r != null; r = q.poll()) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    private static <A extends Aggregate> A only(List<Aggregate> docs, Class<A> type) {
        List<A> of = docs.stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, of.size(), docs.toString());
        return of.get(0);
    }

    /** The document without its final flag, for comparing a partial with the final version. */
    private static ObjectNode content(Aggregate a) throws Exception {
        ObjectNode n = (ObjectNode) Json.MAPPER.readTree(a.jsonBytes());
        n.remove("final");
        return n;
    }

    @Test
    void theOpenWindowGoesOutLiveEveryIntervalAndTheFinalReplacesItUnderTheSameId() throws Exception {
        try (var h = harness()) {
            send(h, fork("h1", 0, 1, 1_000, 11, 10, "sh"), fork("h1", 0, 2, 2_000, 12, 10, "sh"),
                    cpu("h1", 0, 3, 3_000, 10, "sh", 5_000_000));
            assertTrue(live(h).isEmpty(), "nothing before the first interval");

            h.setProcessingTime(LIVE_MS);
            List<Aggregate> first = live(h);
            HostAggregate host1 = only(first, HostAggregate.class);
            assertFalse(host1.isFinal);
            assertEquals(3, host1.records);
            assertTrue(first.stream().allMatch(a -> !a.isFinal));
            assertTrue(h.extractOutputValues().isEmpty(), "no final document while the window is open");

            // More records: the next partial holds them, under the same id.
            send(h, cpu("h1", 0, 4, 4_000, 10, "sh", 7_000_000));
            h.setProcessingTime(2 * LIVE_MS);
            List<Aggregate> second = live(h);
            HostAggregate host2 = only(second, HostAggregate.class);
            ProcessAggregate proc2 = only(second, ProcessAggregate.class);
            assertEquals(host1.id, host2.id);
            assertEquals(4, host2.records);
            assertEquals(10, proc2.pid);
            assertEquals(12_000_000, proc2.onCpuNs);

            // An interval without records sends nothing.
            h.setProcessingTime(3 * LIVE_MS);
            assertTrue(live(h).isEmpty());

            // The watermark closes the window: the final documents replace the partials, same ids and figures.
            h.processWatermark(9_999);
            HostAggregate fin = WindowHarness.<HostAggregate>outputs(h, HostAggregate.KIND).get(0);
            assertTrue(fin.isFinal);
            assertEquals(host2.id, fin.id);
            assertEquals(content(host2), content(fin));
            ProcessAggregate finProc = WindowHarness.<ProcessAggregate>outputs(h, ProcessAggregate.KIND).stream()
                    .filter(p -> p.pid == 10).findFirst().orElseThrow();
            assertEquals(proc2.id, finProc.id);
            assertEquals(content(proc2), content(finProc));
            assertTrue(((ObjectNode) Json.MAPPER.readTree(fin.jsonBytes())).path("final").asBoolean());

            // A late record of the closed window re-emits its final documents, never a partial; the next
            // window's records go out live.
            send(h, cpu("h1", 0, 5, 5_000, 10, "sh", 1_000_000), cpu("h1", 0, 6, 12_000, 10, "sh", 1_000_000));
            h.setProcessingTime(4 * LIVE_MS);
            List<Aggregate> third = live(h);
            assertTrue(third.stream().allMatch(a -> a.timestamp == 10_000), third.toString());
            assertEquals(1, only(third, HostAggregate.class).records);

            h.processWatermark(40_000);
            assertEquals(0, WindowHarness.windowStateEntries(h, "10s"));
        }
    }

    @Test
    void noLivePartialsWhenTheIntervalIsZero() throws Exception {
        try (var h = WindowHarness.of(WINDOW, LATENESS)) {
            h.setProcessingTime(0);
            send(h, fork("h1", 0, 1, 1_000, 11, 10, "sh"));
            h.setProcessingTime(60_000);
            assertTrue(live(h).isEmpty());
        }
    }
}
