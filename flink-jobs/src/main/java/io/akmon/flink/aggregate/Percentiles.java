package io.akmon.flink.aggregate;

/**
 * Percentiles from the kernel's log2 latency histograms. Bucket i counts latencies in
 * [2^(i-1), 2^i) microseconds (bucket 0: under 1 us); a percentile is reported as the upper bound of
 * the bucket holding that rank, the exact answer the histogram can give.
 */
public final class Percentiles {
    private Percentiles() {
    }

    /** Upper bound in microseconds of the bucket holding the p-th fraction (0 < p <= 1); 0 if empty. */
    public static long upperBoundUs(long[] hist, double p) {
        long total = 0;
        for (long c : hist) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p * total);
        long cumulative = 0;
        for (int i = 0; i < hist.length; i++) {
            cumulative += hist[i];
            if (cumulative >= rank) {
                return 1L << i;
            }
        }
        return 1L << (hist.length - 1);
    }
}
