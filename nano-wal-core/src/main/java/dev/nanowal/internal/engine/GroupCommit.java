package dev.nanowal.internal.engine;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Elects the one thread that fsyncs a file while the others that need it wait. When the fsync ends all
 * waiters wake: those it covered return, and one of the rest leads the next fsync for all of them. So
 * concurrent durable appends share fsyncs, with no timer and no fixed delay for a lone writer.
 *
 * <p>Waiters park on their own and the leader unparks them all when it is done; they then check
 * {@code covered} without taking any lock. (With a lock and a condition, woken waiters re-take the lock one
 * after another, each only once the previous one has run: with 16 appenders on 2 cores that chain of
 * hand-overs outlasted the fsync, and each fsync covered few of them. See nano-wal-benchmarks W4.)
 */
final class GroupCommit {

    private final AtomicBoolean running = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();

    /**
     * Returns once {@code covered} holds, running {@code sync} as the leader if no fsync in progress can make
     * it hold. A failure of {@code sync} goes to its leader; each waiter it did not cover then leads (and
     * meets the failure) in turn. Interrupts do not end the wait (the interrupt status is kept).
     */
    void await(BooleanSupplier covered, Runnable sync) {
        boolean interrupted = false;
        try {
            while (!covered.getAsBoolean()) {
                if (running.compareAndSet(false, true)) {
                    // the CAS orders this leader after the previous one (its set(false) below)
                    try {
                        if (!covered.getAsBoolean()) {
                            sync.run();
                        }
                    } finally {
                        running.set(false);
                        // A snapshot: iterating the live queue would also reach the waiters that, woken here, queue
                        // themselves again behind the iterator, and wake them again, and so on: a storm of wake-ups
                        // that burned the CPUs the next leader needed (W6: 16 threads, 60 parks per append).
                        for (Object waiter : waiters.toArray()) {
                            LockSupport.unpark((Thread) waiter);
                        }
                    }
                } else {
                    Thread me = Thread.currentThread();
                    waiters.add(me);
                    // Checked after queueing: a leader that clears `running` after this read finds us in the
                    // queue and unparks us (an unpark before the park makes the park return at once).
                    if (running.get() && !covered.getAsBoolean()) {
                        LockSupport.park(this);
                    }
                    waiters.remove(me);
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
