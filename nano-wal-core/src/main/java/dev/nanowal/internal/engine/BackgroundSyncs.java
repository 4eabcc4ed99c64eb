package dev.nanowal.internal.engine;

import dev.nanowal.WalException;
import dev.nanowal.WalOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Fsyncs, on one background thread, the segments whose writer reports {@link WalOptions#backgroundSyncSize()}
 * written and not fsynced ({@link Segment#fsyncWritten()}), so that the device writes a burst while it is appended
 * and a later sync finds little left. A segment waits in the queue at most once; the thread starts with the first
 * request and ends after {@value #IDLE_SECONDS} s without one.
 *
 * <p>These fsyncs promise nothing to anyone: a failure is already reported by the segment (a failed fsync marks it
 * failed, and its next append or sync fails), so it is only logged here. Shutdown waits for the fsync in progress
 * and drops the rest: the close's last sync covers them, and must not meet a channel closed under a running fsync.
 */
final class BackgroundSyncs {

    private static final long IDLE_SECONDS = 10;
    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final Set<Segment> queued = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor thread;
    private volatile boolean stopped;

    BackgroundSyncs(String directory) {
        thread = new ThreadPoolExecutor(1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
            Thread daemon = new Thread(task, "nano-wal-background-sync " + directory);
            daemon.setDaemon(true);
            return daemon;
        });
        thread.allowCoreThreadTimeOut(true);
    }

    /** Queues an fsync of what {@code segment} wrote so far, unless one is queued already; never blocks. */
    void request(Segment segment) {
        if (!stopped && queued.add(segment)) {
            try {
                thread.execute(() -> run(segment));
            } catch (RejectedExecutionException e) {
                // shut down meanwhile: the close's last sync covers the segment
                queued.remove(segment);
            }
        }
    }

    private void run(Segment segment) {
        queued.remove(segment);
        if (stopped || segment.isDeleted()) {
            return;
        }
        try {
            segment.fsyncWritten();
        } catch (WalException e) {
            LOG.log(System.Logger.Level.DEBUG, "A background fsync of " + segment.path() + " failed", e);
        }
    }

    /** Stops taking requests, drops the queued ones and returns once the fsync in progress, if any, has ended. */
    void shutdown() {
        stopped = true;
        thread.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (thread.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
