package dev.nanowal.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Compacts on a fixed delay from a thread of its own, so the application needs no {@code @EnableScheduling} and
 * shares no scheduler with it. A fixed delay (not a fixed rate) means one run never overlaps the next.
 *
 * <p>As a {@link SmartLifecycle} in the last phase it stops first, before the web server's graceful shutdown and the
 * Kafka relay, and long before the context destroys its beans, so the WAL is never closed under a running
 * compaction, and a compaction never competes with the relay's last sends.
 */
final class NanoWalCompactionScheduler implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(NanoWalCompactionScheduler.class);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final NanoWalCompactor compactor;

    private final Duration interval;

    private ScheduledExecutorService executor;

    NanoWalCompactionScheduler(NanoWalCompactor compactor, Duration interval) {
        this.compactor = compactor;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        if (this.executor != null) {
            return;
        }
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (task) -> {
            Thread thread = new Thread(task, "nanowal-compaction");
            thread.setDaemon(true);
            return thread;
        });
        long nanos = this.interval.toNanos();
        executor.scheduleWithFixedDelay(this::compact, nanos, nanos, TimeUnit.NANOSECONDS);
        this.executor = executor;
    }

    private void compact() {
        try {
            this.compactor.compact();
        }
        catch (RuntimeException ex) {
            // Already logged and counted by the compactor. Swallowed because a scheduled task that throws is
            // never run again; the next interval may well succeed (for example once the disk has room).
        }
    }

    @Override
    public synchronized void stop() {
        if (this.executor == null) {
            return;
        }
        // shutdown, not shutdownNow: interrupting a thread inside FileChannel I/O closes the channel under it.
        this.executor.shutdown();
        try {
            if (!this.executor.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                logger.warn("nano-wal compaction still running after " + STOP_TIMEOUT + "; stopping without it");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        this.executor = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return this.executor != null;
    }

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }
}
