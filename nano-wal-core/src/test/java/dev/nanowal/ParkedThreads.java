package dev.nanowal;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The other threads of a test that waits for appends (register with {@code @RegisterExtension}; stopped after each
 * test), and a way to go on once one of them waits: no sleep, no timing.
 */
final class ParkedThreads implements AfterEachCallback {

    /** A wait no test run outlasts: when it returns, something ended it. */
    static final Duration FOREVER = Duration.ofDays(1);

    private final ExecutorService threads = Executors.newCachedThreadPool();

    <T> Future<T> submit(Callable<T> call) {
        return threads.submit(call);
    }

    Future<?> submit(Runnable run) {
        return threads.submit(run);
    }

    /** Runs {@code call} and returns once its thread is parked in a wait (spinning, no sleep), or the call ended. */
    <T> Future<T> parked(Callable<T> call) {
        return parked(new AtomicReference<>(), call);
    }

    /** @param waiter receives the thread */
    <T> Future<T> parked(AtomicReference<Thread> waiter, Callable<T> call) {
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

    @Override
    public void afterEach(ExtensionContext context) {
        threads.shutdownNow();
    }
}
