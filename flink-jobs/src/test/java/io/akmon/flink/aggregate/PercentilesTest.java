package io.akmon.flink.aggregate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PercentilesTest {
    @Test
    void percentileIsTheUpperBoundOfTheBucketHoldingTheRank() {
        long[] h = new long[32];
        h[0] = 50;      // under 1 us
        h[4] = 45;      // [8, 16) us
        h[20] = 5;      // [2^19, 2^20) us
        assertEquals(1, Percentiles.upperBoundUs(h, 0.50));
        assertEquals(16, Percentiles.upperBoundUs(h, 0.51));
        assertEquals(16, Percentiles.upperBoundUs(h, 0.95));
        assertEquals(1L << 20, Percentiles.upperBoundUs(h, 0.96));
        assertEquals(1L << 20, Percentiles.upperBoundUs(h, 0.99));
        assertEquals(0, Percentiles.upperBoundUs(new long[32], 0.5));
    }
}
