package dev.nanowal.internal.engine;

import dev.nanowal.internal.tail.AppendSignals;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes a read-only view's tailers when a file of the directory changes: a {@link WatchService} reports the writer's
 * writes, creations and deletions as they happen (inotify on Linux), and one daemon thread turns each batch into
 * {@link AppendSignals#appendedToAny()} (an event does not say which key's entries are readable, so every tailer
 * looks). The thread also wakes the tailers when no event came for {@link #BACKSTOP_MILLIS}, for events a file
 * system does not report (a network file system) or an event queue that overflowed; and every {@link #POLL_MILLIS}
 * where the JDK has no native watch service and would itself only poll every few seconds (macOS).
 */
final class DirectoryWatch implements AutoCloseable {

    static final long BACKSTOP_MILLIS = 1000;
    static final long POLL_MILLIS = 50;

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final AppendSignals signals;
    private final WatchService service;
    private final long tickMillis;
    private final Thread thread;
    private volatile boolean closed;

    DirectoryWatch(Path directory, AppendSignals signals) {
        this.signals = signals;
        WatchService watching;
        try {
            watching = FileSystems.getDefault().newWatchService();
            directory.register(watching, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.INFO, "No file events for " + directory + " (" + e + "); tailers of its "
                    + "read-only view look at its files every " + POLL_MILLIS + " ms");
            watching = null;
        }
        this.service = watching;
        boolean polling = watching == null || watching.getClass().getName().contains("Polling");
        this.tickMillis = polling ? POLL_MILLIS : BACKSTOP_MILLIS;
        this.thread = new Thread(this::run, "nano-wal-watch " + directory);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (!closed) {
                WatchKey key = null;
                if (service == null) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(tickMillis));
                } else {
                    key = service.poll(tickMillis, TimeUnit.MILLISECONDS);
                }
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
                signals.appendedToAny();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed: the view is closing
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "Closing a directory watch failed", e);
            }
        }
    }
}
