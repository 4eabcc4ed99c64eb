package dev.nanowal.bench;

import java.util.Arrays;

/** One thread's latencies in nanoseconds, growing as it goes: a timed run does not know its count upfront. */
final class Samples {

    private long[] nanos = new long[1024];
    private int count;

    void add(long value) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = value;
    }

    int count() {
        return count;
    }

    /** Every thread's latencies in one array. */
    static long[] merge(Iterable<Samples> all) {
        int total = 0;
        for (Samples samples : all) {
            total += samples.count;
        }
        long[] merged = new long[total];
        int at = 0;
        for (Samples samples : all) {
            System.arraycopy(samples.nanos, 0, merged, at, samples.count);
            at += samples.count;
        }
        return merged;
    }
}
