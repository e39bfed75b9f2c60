package io.akmon.flink.fold;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.WindowHarness;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State written by an earlier build must restore in this one: the savepoint fixtures in
 * {@code src/test/resources/savepoints} (written by {@link SavepointFixture}, one per state format) are
 * restored, the rest of their stream is fed, and every document emitted after the restore must equal
 * the one an uninterrupted run emits, in the same order; records sent before the savepoint and sent
 * again after it count once.
 */
class SavepointCompatibilityTest {
    private static List<String> json(List<Aggregate> docs) throws Exception {
        List<String> out = new ArrayList<>();
        for (Aggregate a : docs) {
            out.add(Json.MAPPER.writeValueAsString(a));
        }
        return out;
    }

    @Test
    void theFormat1SavepointRestoresAndContinuesExactly() throws Exception {
        List<Event> stream = SavepointFixture.stream();
        int split = SavepointFixture.split(stream);

        List<String> expected;
        try (KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = SavepointFixture.harness()) {
            SavepointFixture.feed(h, stream, 0, split);
            int before = h.extractOutputValues().size();
            SavepointFixture.feed(h, stream, split, stream.size());
            h.processWatermark(Long.MAX_VALUE - 1);
            expected = json(h.extractOutputValues().subList(before, h.extractOutputValues().size()));
        }

        URL fixture = getClass().getClassLoader().getResource(SavepointFixture.FORMAT_1);
        assertNotNull(fixture, SavepointFixture.FORMAT_1 + " is in the test resources");
        OperatorSubtaskState state = OperatorSnapshotUtil.readStateHandle(Path.of(fixture.toURI()).toString());
        try (KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = WindowHarness.of(
                SavepointFixture.SIZES, SavepointFixture.LATENESS, SavepointFixture.PROCESS_IDLE,
                SavepointFixture.STREAM_IDLE, null, state)) {
            // Replays of records the savepoint has seen are dropped as duplicates.
            SavepointFixture.feed(h, stream, split - 50, stream.size());
            h.processWatermark(Long.MAX_VALUE - 1);
            List<String> actual = json(h.extractOutputValues());
            assertFalse(expected.isEmpty());
            assertTrue(expected.stream().anyMatch(d -> d.contains("\"kind\":\"host\"")));
            assertEquals(expected, actual);
            assertEquals(0, h.numKeyedStateEntries());
            assertEquals(0, h.numEventTimeTimers());
        }
    }
}
