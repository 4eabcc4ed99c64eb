package dev.nanowal.bench;

import java.util.List;

/**
 * The sizes of one run. {@code full} is the workload definition; {@code quick} and {@code smoke} are
 * the same workloads scaled down (smoke is about 1/1000, for the build's test phase).
 *
 * @param w4Appends durable appends per W4 run, shared out across the threads (the issue leaves the count open)
 * @param o1Bytes bytes written before the unclean stop, in {@code o1EntrySize}-byte entries
 * @param w5ManyReps measured rounds (no warm-up) of the many-keys W5, whose one round takes a minute in full
 * @param w6Threads the thread counts W6 runs with, one workload each
 * @param w6Millis how long each W6 run appends (a duration, not a count: capped and uncapped rates differ 30x)
 * @param w6Warmups W6's warm-up rounds, fewer than the others' as each of its runs is long
 */
record Params(String name, int warmups, int reps, int w1, int w2, int w3, int w4Appends, int w5Keys,
        int w5Appends, int w5ManyKeys, int w5ManyAppends, int w5ManyReps, int r1, int r2, long o1Bytes, int o1Keys, int o1Reps,
        long m1, int m1Keys, List<Integer> w6Threads, int w6Keys, long w6Millis, int w6Warmups) {

    static final int SMALL = 100;
    static final int LARGE = 4096;
    static final int O1_ENTRY = 1024;
    /** Entries per {@code appendBatch} in W1B. */
    static final int BATCH = 64;

    static Params of(String name) {
        return switch (name) {
            case "full" -> new Params("full", 2, 5, 1_000_000, 200_000, 2_000, 4_000, 1_000, 1_000, 100_000, 10, 3,
                    1_000_000, 100_000, 1L << 30, 1_000, 3, 10_000_000, 1_000, List.of(16, 64), 1_000, 10_000, 1);
            case "quick" -> new Params("quick", 1, 3, 200_000, 40_000, 500, 1_000, 1_000, 100, 10_000, 10, 3,
                    200_000, 20_000, 128L << 20, 1_000, 3, 1_000_000, 1_000, List.of(16, 64), 1_000, 3_000, 1);
            case "smoke" -> new Params("smoke", 0, 1, 1_000, 200, 4, 32, 10, 10, 100, 2, 1, 1_000, 100, 1L << 20, 10, 1,
                    10_000, 10, List.of(4), 10, 100, 0);
            default -> throw new IllegalArgumentException("Unknown mode '" + name + "': use quick, full or smoke");
        };
    }

    /** These parameters with W6 run at the given thread counts only. */
    Params withW6Threads(List<Integer> threads) {
        return new Params(name, warmups, reps, w1, w2, w3, w4Appends, w5Keys, w5Appends, w5ManyKeys, w5ManyAppends,
                w5ManyReps, r1, r2, o1Bytes, o1Keys, o1Reps, m1, m1Keys, List.copyOf(threads), w6Keys, w6Millis,
                w6Warmups);
    }
}
