package io.akmon.bench;

import java.util.Arrays;
import java.util.List;

/** Median and spread of repeated measurements; machines are noisy, so one run means little. */
public record Stats(double median, double min, double max, int n) {
    public static Stats of(List<Double> samples) {
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return new Stats(median, s[0], s[s.length - 1], s.length);
    }

    /** The nearest-rank percentile {@code q} (0 < q <= 100) of the samples; NaN when there are none. */
    public static double percentile(List<Double> samples, double q) {
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length, rank) - 1)];
    }

    /** Spread as a fraction of the median: (max - min) / median. */
    public double spread() {
        return median == 0 ? 0 : (max - min) / median;
    }

    @Override
    public String toString() {
        return Arrays.toString(new double[] {median, min, max});
    }
}
