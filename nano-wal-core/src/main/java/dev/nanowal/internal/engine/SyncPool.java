package dev.nanowal.internal.engine;

import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs the per-key fsyncs of a sync of every key several at a time ({@link WalOptions#syncThreads()}). One
 * after another, each fsync waits for the device to finish the one before; started together, the device
 * overlaps them. The calling thread takes part, so a WAL with one key hands nothing over; helper
 * threads start when a sync needs them and end after {@value #IDLE_SECONDS} s without work.
 */
final class SyncPool {

    private static final long IDLE_SECONDS = 10;

    private final WalDirectory directory;
    private final WalEvents events;
    private final ThreadPoolExecutor helpers;

    SyncPool(int threads, WalDirectory directory, WalEvents events) {
        this.directory = directory;
        this.events = events;
        String name = directory.path().toString();
        if (threads == 1) {
            helpers = null;
            return;
        }
        AtomicInteger created = new AtomicInteger();
        helpers = new ThreadPoolExecutor(threads - 1, threads - 1, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "nano-wal-sync-" + created.incrementAndGet() + " " + name);
                    thread.setDaemon(true);
                    return thread;
                });
        helpers.allowCoreThreadTimeOut(true);
    }

    /**
     * Fsyncs every key's active segment ({@link KeyLog#sync}, a key with nothing new costs a lock and a check),
     * then the directory once for all the new ones among them (rather than once per new segment); returns the
     * first failure after trying every key, or null.
     */
    WalException syncAll(List<KeyLog> logs) {
        List<Segment> unnamed = new ArrayList<>();
        WalException failure = syncEach(logs, unnamed);
        if (!unnamed.isEmpty()) {
            try {
                directory.fsync();
                unnamed.forEach(Segment::nameMadeDurable);
            } catch (IOException e) {
                WalIOException directoryFailure = events.writeFailed(
                        new WalIOException("Could not fsync the directory " + directory.path(), e));
                failure = failure == null ? directoryFailure : failure;
            }
        }
        return failure;
    }

    /**
     * Runs {@link KeyLog#sync} for every log (directory entries left to the caller) and returns once all are
     * done; adds the synced segments whose names are not durable yet to {@code unnamed}. A
     * {@link WalException} is returned, not thrown, so every key is tried.
     */
    private WalException syncEach(List<KeyLog> logs, List<Segment> unnamed) {
        @SuppressWarnings("unchecked")
        List<Segment>[] synced = new List[logs.size()];
        WalException[] failures = new WalException[logs.size()];
        inParallel(logs.size(), i -> {
            try {
                synced[i] = logs.get(i).sync(false);
            } catch (WalException e) {
                failures[i] = e;
            }
        });
        WalException failure = null;
        for (int i = 0; i < logs.size(); i++) {
            if (synced[i] != null) {
                for (Segment segment : synced[i]) {
                    if (!segment.isNameDurable()) {
                        unnamed.add(segment);
                    }
                }
            }
            failure = failure == null ? failures[i] : failure;
        }
        return failure;
    }

    /** One file operation of {@link #runEach}. */
    @FunctionalInterface
    interface IoTask<T> {
        void run(T item) throws IOException;
    }

    /**
     * Runs {@code task} for every item, several at once, and returns once all are done (the journal's replay
     * fsyncs the segments it wrote so); throws the first failure, the others suppressed in it, after every item was
     * tried.
     */
    <T> void runEach(List<T> items, IoTask<T> task) throws IOException {
        IOException[] failures = new IOException[items.size()];
        inParallel(items.size(), i -> {
            try {
                task.run(items.get(i));
            } catch (IOException e) {
                failures[i] = e;
            }
        });
        IOException first = null;
        for (IOException failure : failures) {
            if (failure != null && first == null) {
                first = failure;
            } else if (failure != null) {
                first.addSuppressed(failure);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Runs {@code work} for each index below {@code count} on the calling thread and the helpers, and returns once
     * all are done; their writes happen-before the return (the helpers' futures completed, awaitAll waited for them).
     */
    private void inParallel(int count, IntConsumer work) {
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                work.accept(i);
            }
        };
        List<Future<?>> started = startHelpers(Math.min(helperCount(), count - 1), worker);
        worker.run();
        awaitAll(started);
    }

    private int helperCount() {
        return helpers == null ? 0 : helpers.getMaximumPoolSize();
    }

    private List<Future<?>> startHelpers(int count, Runnable worker) {
        List<Future<?>> started = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                started.add(helpers.submit(worker));
            }
        } catch (RejectedExecutionException e) {
            // closed meanwhile: the calling thread does the rest alone
        }
        return started;
    }

    /** Waits for every helper; an interrupt does not cut the wait short (a sync must not return half done). */
    private static void awaitAll(List<Future<?>> started) {
        boolean interrupted = false;
        for (Future<?> helper : started) {
            while (true) {
                try {
                    helper.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    // not a WalException (those are kept per key): a bug, thrown as the caller's own would be
                    if (e.getCause() instanceof RuntimeException unexpected) {
                        throw unexpected;
                    }
                    throw (Error) e.getCause();
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets the helper threads end once their work is done; later syncs run on the calling thread. */
    void shutdown() {
        if (helpers != null) {
            helpers.shutdown();
        }
    }
}
