package dev.nanowal;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Elects the one thread that fsyncs a file while the others that need it wait. When the fsync ends all
 * waiters wake: those it covered return, and one of the rest leads the next fsync for all of them. So
 * concurrent durable appends share fsyncs, with no timer and no fixed delay for a lone writer.
 */
final class GroupCommit {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    private boolean running;

    /**
     * Returns once {@code covered} holds, running {@code sync} as the leader if no fsync in progress can make
     * it hold. A failure of {@code sync} goes to its leader; each waiter it did not cover then leads (and
     * meets the failure) in turn.
     */
    void await(BooleanSupplier covered, Runnable sync) {
        if (covered.getAsBoolean()) {
            return;
        }
        lock.lock();
        try {
            while (running) {
                finished.awaitUninterruptibly();
            }
            if (covered.getAsBoolean()) {
                return;
            }
            running = true;
        } finally {
            lock.unlock();
        }
        try {
            sync.run();
        } finally {
            lock.lock();
            try {
                running = false;
                finished.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
