package dev.nanowal.internal.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Lets a journal commit wait, briefly, for the threads the previous commit released, when they come back at once.
 *
 * <p>Why: a thread that queues while a commit's fsync runs leads the next commit the moment it ends, before the
 * threads that commit released have had the CPU to append again. Each commit then covers only those that queued
 * during the one before, so with T threads appending in a loop the commits alternate between k and T - k waiters:
 * about T / 2 per fsync instead of T (W4, 4 threads on one key: 2.1 entries per commit). So the leader first yields
 * while released threads have not submitted again, for at most half the last commit (its write and fdatasync) and
 * {@value #MAX_WAIT_NANOS} ns: a wait that pays for itself when they come (they share this fsync instead of
 * waiting for the whole next one), and never made by a lone writer, the only one released, which has come back
 * when it leads.
 *
 * <p>Threads that do not come back (a request thread that appends once and goes on) would make every commit wait
 * in vain, so a wait that none of them ended stops the next waits: after each miss in a row, twice as many
 * commits skip it, up to {@value #MAX_SKIPPED}. (PostgreSQL's {@code commit_siblings} asks the same question
 * before its fixed {@code commit_delay}.)
 *
 * <p>Threads: {@link #arrived} by any appender; the rest by the journal's leader alone.
 */
final class ReturningWaiters {

    /** The longest wait, whatever the commit takes: a slow disk should not make a commit wait for milliseconds. */
    static final long MAX_WAIT_NANOS = 200_000;
    /** The most commits that skip the wait after misses in a row. */
    static final int MAX_SKIPPED = 64;

    /** How a wait before a commit ended. */
    enum Outcome {
        /** Every released thread had come back already (a lone writer always): no wait. */
        NONE_OUTSTANDING,
        /** Skipped after a miss. */
        SKIPPED,
        /** Every released thread came back within the budget. */
        ALL_CAME,
        /** Some came back, the budget ran out for the rest. */
        SOME_CAME,
        /** None came back within the budget: a miss, after which the next waits are skipped. */
        NONE_CAME
    }

    private final AtomicInteger outstanding = new AtomicInteger();
    private final LongSupplier nanoClock;
    private long lastCommitNanos;
    private int toSkip;
    private int skipAfterMiss = 1;

    ReturningWaiters() {
        this(System::nanoTime);
    }

    ReturningWaiters(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** A durable append queued: one released thread fewer to wait for, if it was one. */
    void arrived() {
        if (outstanding.get() > 0) {
            outstanding.getAndUpdate(n -> n > 0 ? n - 1 : 0);
        }
    }

    /**
     * The leader, before a commit finishes its tickets: {@code threads} will return to their callers; the commit's
     * write and fdatasync took {@code commitNanos}.
     */
    void released(int threads, long commitNanos) {
        lastCommitNanos = commitNanos;
        outstanding.set(threads);
    }

    /** The leader, before it takes the queue: yields while released threads have not come back, within a budget. */
    Outcome awaitBeforeCommit() {
        int expected = outstanding.get();
        if (expected == 0) {
            return Outcome.NONE_OUTSTANDING;
        }
        if (toSkip > 0) {
            toSkip--;
            outstanding.set(0);
            return Outcome.SKIPPED;
        }
        long deadline = nanoClock.getAsLong() + Math.min(lastCommitNanos / 2, MAX_WAIT_NANOS);
        int left = expected;
        while (left > 0 && nanoClock.getAsLong() - deadline < 0) {
            Thread.yield();
            left = outstanding.get();
        }
        outstanding.set(0);
        if (left == expected) {
            toSkip = skipAfterMiss;
            skipAfterMiss = Math.min(MAX_SKIPPED, skipAfterMiss * 2);
            return Outcome.NONE_CAME;
        }
        skipAfterMiss = 1;
        return left == 0 ? Outcome.ALL_CAME : Outcome.SOME_CAME;
    }
}
