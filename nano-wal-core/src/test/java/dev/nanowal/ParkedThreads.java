package dev.nanowal;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

/** Runs a waiting call in another thread and lets the test go on once that thread waits: no sleep, no timing. */
final class ParkedThreads {

    private ParkedThreads() {
    }

    /**
     * Runs {@code call} on {@code threads} and returns once its thread is parked in a wait (spinning, no sleep), or
     * the call ended.
     *
     * @param waiter receives the thread
     */
    static <T> Future<T> parked(ExecutorService threads, AtomicReference<Thread> waiter, Callable<T> call) {
        Future<T> future = threads.submit(() -> {
            waiter.set(Thread.currentThread());
            return call.call();
        });
        while (!future.isDone() && (waiter.get() == null || (waiter.get().getState() != Thread.State.TIMED_WAITING
                && waiter.get().getState() != Thread.State.WAITING))) {
            Thread.onSpinWait();
        }
        return future;
    }
}
