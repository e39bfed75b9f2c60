package io.akmon.flink.sink.es;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EsFailuresTest {
    @Test
    void overloadAndServerErrorsAreRetriedEverythingElseIsPermanent() {
        for (int s : new int[] {429, 500, 502, 503, 504}) {
            assertTrue(EsFailures.retryable(s), "" + s);
        }
        for (int s : new int[] {400, 403, 404, 409, 413}) {
            assertFalse(EsFailures.retryable(s), "" + s);
        }
    }

    @Test
    void backoffDoublesUpToItsCap() {
        assertEquals(200, EsFailures.delayMillis(EsSinkOptions.Backoff.EXPONENTIAL, 200, 30_000, 0));
        assertEquals(400, EsFailures.delayMillis(EsSinkOptions.Backoff.EXPONENTIAL, 200, 30_000, 1));
        assertEquals(25_600, EsFailures.delayMillis(EsSinkOptions.Backoff.EXPONENTIAL, 200, 30_000, 7));
        assertEquals(30_000, EsFailures.delayMillis(EsSinkOptions.Backoff.EXPONENTIAL, 200, 30_000, 8));
        assertEquals(30_000, EsFailures.delayMillis(EsSinkOptions.Backoff.EXPONENTIAL, 200, 30_000, 1000));
        assertEquals(200, EsFailures.delayMillis(EsSinkOptions.Backoff.CONSTANT, 200, 30_000, 1000));
    }
}
