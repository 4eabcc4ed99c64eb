package dev.nanowal.internal.engine;

import dev.nanowal.CompactionResult;
import dev.nanowal.DiskState;
import dev.nanowal.FsyncLatency;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalListener;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/** The WAL's counters and its listeners: everything the statistics and the metrics read. */
final class WalEvents {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    final LongAdder durableAppends = new LongAdder();
    final LongAdder durableAppendedBytes = new LongAdder();
    final LongAdder reads = new LongAdder();
    final LongAdder syncs = new LongAdder();
    final LongAdder compactions = new LongAdder();
    final LongAdder segmentsDeleted = new LongAdder();
    final LongAdder bytesTruncatedAtRecovery = new LongAdder();
    final LongAdder corruptionsDetected = new LongAdder();
    final LongAdder writeFailures = new LongAdder();
    final LongAdder journalCommits = new LongAdder();
    final LongAdder journalEntries = new LongAdder();
    final LongAdder journalBytes = new LongAdder();
    final LongAdder checkpoints = new LongAdder();
    final AtomicReference<WalIOException> lastWriteFailure = new AtomicReference<>();
    final AtomicReference<CompactionResult> lastCompaction = new AtomicReference<>();

    private final List<WalListener> listeners = new CopyOnWriteArrayList<>();
    private final FsyncWindow fsyncWindow;

    // The disk's state (see DiskState), changed under this lock; the episode counts the moves away from WRITABLE,
    // so that a key can tell whether it already replaced a failed segment since the disk last worked.
    private final Object diskLock = new Object();
    private volatile DiskState diskState = DiskState.WRITABLE;
    private volatile WalIOException diskFailure;
    private volatile long diskEpisode;
    private final Path directory;
    private final Storage storage;
    private final AtomicBoolean directoryGoneReported = new AtomicBoolean();
    /** The directory's identity when the WAL opened it, or null when unknown (see {@link Storage#fileKeyIfKnown}). */
    private final Object directoryKey;
    private volatile boolean directoryGone;

    /**
     * @param clock the WAL's clock, which times the fsyncs' window
     * @param directory the WAL directory, looked at when a failure names a path that does not exist
     */
    WalEvents(Clock clock, Path directory, Storage storage) {
        this.fsyncWindow = new FsyncWindow(clock);
        this.directory = directory;
        this.storage = storage;
        this.directoryKey = storage == null ? null : storage.fileKeyIfKnown(directory);
    }

    Runnable add(WalListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void appended(int entries, long bytes, boolean durable) {
        if (durable) {
            durableAppends.add(entries);
            durableAppendedBytes.add(bytes);
        }
        if (lastWriteFailure.get() != null) {
            lastWriteFailure.set(null);
        }
    }

    void synced(long nanos, int entries) {
        syncs.increment();
        fsyncWindow.record(nanos);
        fsyncSucceeded();
        Duration duration = Duration.ofNanos(nanos);
        tell(listener -> listener.onSync(duration, entries));
    }

    void journalCommitted(long nanos, int entries, int keys, long bytes) {
        journalCommits.increment();
        fsyncWindow.record(nanos);
        fsyncSucceeded();
        journalEntries.add(entries);
        journalBytes.add(bytes);
        Duration duration = Duration.ofNanos(nanos);
        tell(listener -> listener.onJournalCommit(duration, entries, keys));
    }

    void checkpointed(long nanos, int segments) {
        checkpoints.increment();
        Duration duration = Duration.ofNanos(nanos);
        tell(listener -> listener.onCheckpoint(duration, segments));
    }

    WalIOException writeFailed(WalIOException failure) {
        writeFailures.increment();
        lastWriteFailure.set(failure);
        tell(listener -> listener.onWriteFailure(failure));
        if (failure.isDiskFull()) {
            enterDiskState(DiskState.DISK_FULL, failure);
        } else if (failure.getCause() instanceof NoSuchFileException) {
            pathGone(failure);
        } else if (isDiskError(failure)) {
            enterDiskState(DiskState.FAILING, failure);
        }
        return failure;
    }

    /**
     * An error of the disk, not of the channel or of the paths: an interrupt or a close is not the disk's fault,
     * nor a file or directory that somebody deleted.
     */
    private static boolean isDiskError(WalIOException failure) {
        Throwable cause = failure.getCause();
        return cause instanceof IOException && !(cause instanceof ClosedChannelException)
                && !(cause instanceof NoSuchFileException);
    }

    /**
     * A path of the WAL was missing: no disk state changes (a probe could not tell a deleted directory from a
     * healthy disk). When the directory itself is gone (deleted, or another one made at its path), the WAL cannot
     * go on: that is said once, loudly, and from then on every append is refused ({@link #directoryGone()}).
     */
    private void pathGone(WalIOException failure) {
        boolean replaced = directoryKey != null && !directoryKey.equals(storage.fileKeyIfKnown(directory));
        if (!storage.isDirectory(directory) || replaced) {
            directoryGone = true;
            if (directoryGoneReported.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.ERROR, "The WAL directory " + directory + " no longer exists: it was "
                        + (replaced ? "replaced by another directory at its path" : "deleted") + " while the WAL was "
                        + "open, with its files and its lock, and entries appended since are lost with it. This is not "
                        + "a disk failure; close the WAL (appends are refused and operations that need the directory "
                        + "fail until then): " + failure.getMessage());
            }
        }
    }

    /**
     * Whether a failure showed the WAL directory deleted or replaced since the open: nothing appended from then on
     * could ever be made durable. Entries appended before the failure showed it were acknowledged; they are lost
     * with the directory, as the ERROR logged then says.
     */
    boolean directoryGone() {
        return directoryGone;
    }

    /** The fsyncs and journal commits that finished within {@code window}. */
    /** @throws IllegalArgumentException when the window is negative */
    FsyncLatency fsyncLatency(Duration window) {
        Objects.requireNonNull(window, "window must not be null");
        if (window.isNegative()) {
            throw new IllegalArgumentException("window must not be negative: " + window);
        }
        return fsyncWindow.over(window);
    }

    DiskState diskState() {
        return diskState;
    }

    /** The failure that moved the disk out of {@link DiskState#WRITABLE}, or null. */
    WalIOException diskFailure() {
        return diskFailure;
    }

    /** How many times the disk left {@link DiskState#WRITABLE} since the WAL was opened. */
    long diskEpisode() {
        return diskEpisode;
    }

    /** A probe found the disk usable again. */
    void diskRecovered() {
        enterDiskState(DiskState.WRITABLE, null);
    }

    /** Only a failing disk heals by a successful fsync: a full one takes fsyncs of bytes written before. */
    private void fsyncSucceeded() {
        if (diskState == DiskState.FAILING) {
            enterDiskState(DiskState.WRITABLE, null);
        }
    }

    private void enterDiskState(DiskState state, WalIOException failure) {
        synchronized (diskLock) {
            if (diskState == state) {
                return;
            }
            if (diskState == DiskState.WRITABLE) {
                diskEpisode++;
            }
            diskFailure = failure;
            diskState = state;
        }
        if (state == DiskState.WRITABLE) {
            LOG.log(System.Logger.Level.INFO, "The disk is writable again; appends are accepted");
        } else {
            LOG.log(System.Logger.Level.ERROR, "The disk is now " + state + "; appends are refused until it recovers: "
                    + failure.getMessage());
        }
        tell(listener -> listener.onDiskStateChange(state, failure));
    }

    WalCorruptionException corrupt(WalCorruptionException corruption) {
        corruptionsDetected.increment();
        tell(listener -> listener.onCorruption(corruption));
        return corruption;
    }

    void recovered(Path segment, long validBytes, long truncated) {
        bytesTruncatedAtRecovery.add(truncated);
        tell(listener -> listener.onRecovery(segment, validBytes, truncated));
    }

    void compacted(CompactionResult result) {
        compactions.increment();
        segmentsDeleted.add(result.segmentsDeleted());
        lastCompaction.set(result);
        tell(listener -> listener.onCompaction(result));
    }

    private void tell(Consumer<WalListener> event) {
        for (WalListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "A WalListener threw; ignored", e);
            }
        }
    }
}
