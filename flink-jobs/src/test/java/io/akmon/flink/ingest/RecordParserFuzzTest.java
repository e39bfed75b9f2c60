package io.akmon.flink.ingest;

import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.Mutator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The record parser under 100,000 mutations of real agent output (fuzz/agent-records.jsonl, captured
 * from {@code akmon agent --sink stdout}): no exception escapes, every input is accepted as an event or
 * rejected with a reason, and every rejection makes a dead letter within its size bound.
 */
class RecordParserFuzzTest {
    static final int INPUTS = 100_000;

    static List<String> seeds() throws IOException {
        try (InputStream in = RecordParserFuzzTest.class.getResourceAsStream("/fuzz/agent-records.jsonl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    @Test
    void everyMutatedRecordIsAcceptedOrRejectedWithAReason() throws Exception {
        List<String> seeds = seeds();
        RecordParser parser = new RecordParser();
        for (String seed : seeds) {
            RecordParser.Result r = parser.parse(seed.getBytes(StandardCharsets.UTF_8));
            assertTrue(r.event() != null, "real agent output parses: " + r.reason() + " in " + seed);
        }
        Mutator mutator = new Mutator(15L, seeds);
        long cpu0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        int accepted = 0;
        int rejected = 0;
        Map<String, Integer> reasons = new TreeMap<>();
        for (int i = 0; i < INPUTS; i++) {
            String input = mutator.next();
            byte[] bytes = mutator.bytes(input);
            RecordParser.Result r;
            try {
                r = parser.parse(bytes);
            } catch (Throwable t) {
                throw new AssertionError("input " + i + " threw " + t + ": " + input, t);
            }
            assertTrue((r.event() == null) != (r.reason() == null), "exactly one of event and reason: " + input);
            if (r.event() != null) {
                accepted++;
            } else {
                rejected++;
                assertFalse(r.reason().isBlank(), "a reason for " + input);
                reasons.merge(r.reason().replaceAll("[0-9'\"].*", ""), 1, Integer::sum);
                DeadLetter d = DeadLetterPayload.of(r.reason(), "fuzz", 0, i, bytes);
                assertEquals(bytes.length, d.payloadBytes);
                assertTrue(Json.bytes(d).length <= DeadLetterPayload.DEFAULT_MAX_BYTES + 2 * DeadLetterPayload.MAX_REASON_CHARS + 512,
                        "dead letter size for input " + i);
            }
        }
        assertEquals(INPUTS, accepted + rejected);
        assertTrue(accepted > INPUTS / 100 && rejected > INPUTS / 100, accepted + " accepted, " + rejected + " rejected");
        long cpuMs = (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0) / 1_000_000;
        System.out.println("record parser fuzz: " + INPUTS + " inputs, " + accepted + " accepted, " + rejected
                + " rejected in " + cpuMs + " ms of CPU; reasons " + reasons);
    }
}
