package dev.nanowal.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Latency percentiles of one repetition, and their medians over repetitions as a row's note. */
final class Latencies {

    private Latencies() {
    }

    /** p50, p99, p99.9 in nanoseconds. */
    static long[] percentiles(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new long[] {at(sorted, 0.50), at(sorted, 0.99), at(sorted, 0.999)};
    }

    private static long at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1 < 0 ? 0
                : (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** Median over repetitions of each percentile, in units of {@code nanosPerUnit}. */
    static String note(List<long[]> perRep, double nanosPerUnit, String unit) {
        double p50 = Row.median(perRep.stream().map(p -> p[0] / nanosPerUnit).toList());
        double p99 = Row.median(perRep.stream().map(p -> p[1] / nanosPerUnit).toList());
        double p999 = Row.median(perRep.stream().map(p -> p[2] / nanosPerUnit).toList());
        return String.format(Locale.ROOT, "p50 %s / p99 %s / p99.9 %s %s", Report.format(p50), Report.format(p99),
                Report.format(p999), unit);
    }
}
