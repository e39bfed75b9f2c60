package io.akmon.flink.aggregate;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoverageJoinTest {
    private static final long LATENESS = 5_000;

    private static ProcessAggregate process(String host, int pid, long start) {
        return ProcessAggregate.of("10s", host, pid, start, start + 10_000, new Figures());
    }

    private static HostAggregate host(String host, long start, long records, long missing) {
        Figures f = new Figures(true);
        f.records = records;
        return HostAggregate.of("10s", host, start, start + 10_000, f, missing, 0);
    }

    @Test
    void everyAggregateGetsItsHostsCoverageAndStateDrains() throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Aggregate, Aggregate>(
                new KeyedProcessOperator<>(new CoverageJoin(LATENESS)), a -> a.host, Types.STRING)) {
            h.open();
            h.processElement(process("h1", 1, 0), 9_999);
            h.processElement(process("h2", 1, 0), 9_999);
            h.processElement(host("h1", 0, 3, 1), 9_999);
            h.processElement(host("h2", 0, 4, 0), 9_999);
            assertEquals(2, h.extractOutputValues().size(), "host aggregates pass at once");

            h.processWatermark(9_999);
            List<Aggregate> out = h.extractOutputValues();
            assertEquals(4, out.size());
            assertEquals(0.75, out.get(2).coverage, 1e-12);
            assertEquals("h1", out.get(2).host);
            assertEquals(1.0, out.get(3).coverage, 1e-12);

            // A late update of the window is stamped on arrival.
            h.processElement(process("h1", 2, 0), 9_999);
            assertEquals(0.75, h.extractOutputValues().get(4).coverage, 1e-12);

            assertTrue(h.numKeyedStateEntries() > 0);
            h.processWatermark(9_999 + LATENESS);
            assertEquals(0, h.numKeyedStateEntries());
            assertEquals(0, h.numEventTimeTimers());
        }
    }
}
