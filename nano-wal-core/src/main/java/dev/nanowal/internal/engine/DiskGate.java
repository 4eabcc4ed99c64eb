package dev.nanowal.internal.engine;

import dev.nanowal.DiskState;
import dev.nanowal.WalIOException;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admits appends by the disk's state ({@link DiskState}, kept by {@link WalEvents}): refuses them at once, before
 * anything is written, while the disk is full or failing, and probes whether it recovered. The probes cost no file
 * that stays: a full disk is probed by the file store's usable space, a failing one by writing, fsyncing and
 * deleting {@link #PROBE_FILE}. One probe runs at a time; appends arriving meanwhile are refused. Thread-safe.
 */
final class DiskGate {

    /** The file a probe of a failing disk writes, fsyncs and deletes (FORMAT.md, "The directory"). */
    static final String PROBE_FILE = "nanowal.probe";
    private static final int PROBE_BYTES = 4096;

    private final Path directory;
    private final Storage storage;
    private final WalEvents events;
    private final long freeSpaceMargin;
    private final ReentrantLock probing = new ReentrantLock();
    /** Guarded by {@link #probing}. */
    private FileStore fileStore;

    /**
     * @param freeSpaceMargin the usable space at which a full disk counts as writable again: an append then tries,
     *     and a new {@code ENOSPC} (which writes nothing partial) makes it full again
     */
    DiskGate(Path directory, Storage storage, WalEvents events, long freeSpaceMargin) {
        this.directory = directory;
        this.storage = storage;
        this.events = events;
        this.freeSpaceMargin = freeSpaceMargin;
    }

    /** The disk's state, probed first when it is not writable. */
    DiskState state() {
        if (events.diskState() != DiskState.WRITABLE) {
            probe();
        }
        return events.diskState();
    }

    /**
     * Lets an append to {@code log} through, or refuses it: while the disk is full, every append; while it fails,
     * a durable one (its fsync would fail too) and one that would replace the key's failed segment a second time
     * (so that each fsync failure cannot cost a new file). A refused append probes the disk first.
     *
     * @throws WalIOException when the append is refused; nothing was written
     */
    void admit(KeyLog log, boolean durable) {
        if (events.directoryGone()) {
            throw new WalIOException("The WAL directory " + directory + " was deleted or replaced while the WAL was "
                    + "open: nothing appended now could be made durable, so nothing was written; close the WAL",
                    new NoSuchFileException(directory.toString()));
        }
        DiskState state = events.diskState();
        if (state == DiskState.WRITABLE) {
            return;
        }
        boolean refused = state == DiskState.DISK_FULL || durable
                || log.replacedFailedSegmentIn(events.diskEpisode());
        if (refused && !probe()) {
            throw refusal(events.diskState());
        }
    }

    /** Like {@link #admit}, for a sync of every key: refused while the disk fails and a probe says it still does. */
    void admitSync() {
        if (events.diskState() == DiskState.FAILING && !probe()) {
            throw refusal(DiskState.FAILING);
        }
    }

    /** Whether the disk is writable after probing it; false also when another thread is probing it now. */
    private boolean probe() {
        if (!probing.tryLock()) {
            return false;
        }
        try {
            DiskState state = events.diskState();
            boolean usable = switch (state) {
                case WRITABLE -> true;
                case DISK_FULL -> hasFreeSpace();
                case FAILING -> writesAndFsyncs();
            };
            if (usable && state != DiskState.WRITABLE) {
                events.diskRecovered();
            }
            return usable;
        } finally {
            probing.unlock();
        }
    }

    private boolean hasFreeSpace() {
        try {
            if (fileStore == null) {
                // looked up once: the lookup reads the mount table, the space is then one statvfs per probe
                fileStore = storage.fileStore(directory);
            }
            return fileStore.getUsableSpace() >= freeSpaceMargin;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean writesAndFsyncs() {
        Path probe = directory.resolve(PROBE_FILE);
        boolean interrupted = Interrupts.setAside();
        try {
            storage.delete(probe);
            try (FileChannel channel = storage.createNew(probe)) {
                ByteBuffer bytes = ByteBuffer.allocate(PROBE_BYTES);
                while (bytes.hasRemaining()) {
                    channel.write(bytes, bytes.position());
                }
                channel.force(false);
            } finally {
                storage.delete(probe);
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            Interrupts.restore(interrupted);
        }
    }

    private WalIOException refusal(DiskState state) {
        WalIOException cause = events.diskFailure();
        String why = state == DiskState.DISK_FULL
                ? "the disk is full; free space on it (compaction works meanwhile) and appends resume"
                : "the disk fails writes or fsyncs; appends resume once a probe fsync succeeds";
        String message = "Append to " + directory + " refused, nothing was written: " + why;
        IOException root = rootIoException(cause);
        return root == null ? new WalIOException(message + " (" + state + ")") : new WalIOException(message, root);
    }

    private static IOException rootIoException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
        }
        return null;
    }
}
