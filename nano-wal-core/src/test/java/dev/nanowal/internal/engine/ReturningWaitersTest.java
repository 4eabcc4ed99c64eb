package dev.nanowal.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanowal.internal.engine.ReturningWaiters.Outcome;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The leader's wait for the threads the last commit released. The clock is the test's: each reading advances it
 * 10 us and may stand for a thread coming back, so every outcome is decided by the test, not by the scheduler.
 */
class ReturningWaitersTest {

    private static final long FSYNC_NANOS = 1_000_000;

    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger readings = new AtomicInteger();
    private volatile Runnable onReading = () -> { };
    private final ReturningWaiters waiters = new ReturningWaiters(() -> {
        readings.incrementAndGet();
        onReading.run();
        return now.addAndGet(10_000);
    });

    @Test
    void aLoneWriterNeverWaits() {
        for (int commit = 0; commit < 5; commit++) {
            waiters.released(1, FSYNC_NANOS);
            waiters.arrived();
            assertThat(waiters.awaitBeforeCommit()).isEqualTo(Outcome.NONE_OUTSTANDING);
        }
        assertThat(readings).hasValue(0);
    }

    @Test
    void theWaitEndsWhenEveryReleasedThreadIsBack() {
        waiters.released(3, FSYNC_NANOS);
        waiters.arrived();
        onReading = waiters::arrived;

        assertThat(waiters.awaitBeforeCommit()).isEqualTo(Outcome.ALL_CAME);
        // the deadline's reading (one came back), then one more (the other came back, so no third)
        assertThat(readings).hasValue(2);
    }

    @Test
    void theWaitLastsAtMostHalfTheLastFsync() {
        waiters.released(2, FSYNC_NANOS / 10);
        onReading = () -> {
            if (readings.get() == 2) {
                waiters.arrived();
            }
        };

        assertThat(waiters.awaitBeforeCommit()).isEqualTo(Outcome.SOME_CAME);
        // 50 us: the deadline's reading and 5 of 10 us each
        assertThat(readings).hasValue(6);
    }

    @Test
    void theWaitLastsAtMostItsCapWhateverTheFsyncTook() {
        waiters.released(1, 1_000 * FSYNC_NANOS);

        assertThat(waiters.awaitBeforeCommit()).isEqualTo(Outcome.NONE_CAME);
        assertThat((long) readings.get()).isEqualTo(1 + ReturningWaiters.MAX_WAIT_NANOS / 10_000);
    }

    @Test
    void missesInARowSkipTwiceAsManyWaitsEachUpToTheCap() {
        int skipsAfterMiss = 1;
        for (int miss = 0; miss < 9; miss++) {
            assertThat(commitWithNoneBack()).isEqualTo(Outcome.NONE_CAME);
            for (int skip = 0; skip < skipsAfterMiss; skip++) {
                assertThat(commitWithNoneBack()).isEqualTo(Outcome.SKIPPED);
            }
            skipsAfterMiss = Math.min(ReturningWaiters.MAX_SKIPPED, skipsAfterMiss * 2);
        }
    }

    @Test
    void aWaitThatSomeEndedStartsTheSkippingAfresh() {
        assertThat(List.of(commitWithNoneBack(), commitWithNoneBack(), commitWithNoneBack(), commitWithNoneBack(),
                commitWithNoneBack())).containsExactly(Outcome.NONE_CAME, Outcome.SKIPPED, Outcome.NONE_CAME,
                        Outcome.SKIPPED, Outcome.SKIPPED);

        waiters.released(2, FSYNC_NANOS);
        readings.set(0);
        onReading = () -> {
            if (readings.get() == 1) {
                waiters.arrived();
            }
        };
        assertThat(waiters.awaitBeforeCommit()).isEqualTo(Outcome.SOME_CAME);
        onReading = () -> { };

        assertThat(List.of(commitWithNoneBack(), commitWithNoneBack(), commitWithNoneBack()))
                .containsExactly(Outcome.NONE_CAME, Outcome.SKIPPED, Outcome.NONE_CAME);
    }

    /** A commit released one thread, and the next commit's leader finds it has not come back. */
    private Outcome commitWithNoneBack() {
        waiters.released(1, FSYNC_NANOS);
        return waiters.awaitBeforeCommit();
    }
}
