package dev.nanowal.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The election of one fsync leader: waiters that arrive during an fsync share the next one. */
@Timeout(60)
class GroupCommitTest {

    private final GroupCommit groupCommit = new GroupCommit();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong durable = new AtomicLong();
    private final AtomicInteger syncs = new AtomicInteger();

    /** A sync makes durable what was written when it started, as an fsync does. */
    private void sync(CountDownLatch release) {
        long target = written.get();
        syncs.incrementAndGet();
        await(release);
        durable.set(target);
    }

    private void append(CountDownLatch release) {
        long mine = written.incrementAndGet();
        groupCommit.await(() -> durable.get() >= mine, () -> sync(release));
    }

    @Test
    void waitersDuringAnFsyncShareTheNextOne() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        Thread leader = new Thread(() -> append(release));
        leader.start();
        waitUntil(() -> syncs.get() == 1);
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Thread waiter = new Thread(() -> append(release));
            waiters.add(waiter);
            waiter.start();
        }
        for (Thread waiter : waiters) {
            waitUntil(() -> waiter.getState() == Thread.State.WAITING);
        }
        release.countDown();
        leader.join();
        for (Thread waiter : waiters) {
            waiter.join();
        }
        assertThat(durable.get()).isEqualTo(6);
        assertThat(syncs.get()).as("the first fsync, then one for all five that waited").isEqualTo(2);
    }

    @Test
    void aCoveredCallerNeverSyncs() {
        durable.set(10);
        written.set(9);
        append(new CountDownLatch(0));
        assertThat(syncs.get()).isZero();
    }

    @Test
    void aFailedSyncGoesToItsLeaderAndTheNextCallerLeadsAgain() {
        assertThatThrownBy(() -> groupCommit.await(() -> false, () -> {
            throw new IllegalStateException("disk gone");
        })).hasMessage("disk gone");
        append(new CountDownLatch(0));
        assertThat(syncs.get()).isEqualTo(1);
        assertThat(durable.get()).isEqualTo(1);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            Thread.onSpinWait();
        }
    }
}
