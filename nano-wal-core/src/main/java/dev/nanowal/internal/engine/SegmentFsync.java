package dev.nanowal.internal.engine;

import dev.nanowal.WalClosedException;
import dev.nanowal.WalIOException;
import dev.nanowal.internal.io.Interrupts;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fsyncs of one {@link Segment}: which bytes a call needs on stable storage, the leader's fsync that the
 * segment's {@link Durability} elects (one for every caller waiting meanwhile, see {@link GroupCommit}), and what
 * a failed one means. The leader holds the key's lock only to flush the write buffer and pin the file, never
 * through the fsync itself, so appends to the key go on meanwhile; nobody may wait for a leader while holding the
 * key's lock, except {@link #forceAppended()}, which runs the fsync itself.
 */
final class SegmentFsync {

    private final Segment segment;
    private final SegmentFile file;
    private final SegmentWriter writer;
    private final Durability durability;
    private final ReentrantLock lock;
    private final WalEvents events;

    SegmentFsync(Segment segment, SegmentFile file, SegmentWriter writer, Durability durability, ReentrantLock keyLock,
            WalEvents events) {
        this.segment = segment;
        this.file = file;
        this.writer = writer;
        this.durability = durability;
        this.lock = keyLock;
        this.events = events;
    }

    /** What a leader's fsync covers. */
    private enum Cover {
        /** The bytes in the file: a background fsync leaves the write buffer to the appending thread. */
        WRITTEN,
        /** Everything appended: the write buffer is written first. */
        APPENDED,
        /** Everything appended, the preallocation first extended ahead of it ({@link Preallocation}). */
        APPENDED_PREALLOCATING
    }

    /** See {@link Segment#syncTo(long)}. */
    void syncTo(long position) {
        durability.await(position, () -> forceAsLeader(Cover.APPENDED_PREALLOCATING, true));
    }

    /** See {@link Segment#syncTo(long, boolean)}. */
    void syncTo(long position, boolean withName) {
        durability.await(position, () -> forceAsLeader(Cover.APPENDED, withName));
    }

    /**
     * Fsyncs the bytes already in the file, directory entry included, without flushing the write buffer (a part of
     * a window written early would undo the window writes).
     */
    void fsyncWritten() {
        long target = writer.flushed();
        durability.awaitFsync(target, () -> forceAsLeader(Cover.WRITTEN, true));
    }

    /**
     * Returns once an fsync of the file itself covered every byte below {@code target}, whatever the journal holds
     * (and the directory entry when {@code withName}).
     */
    void fsyncAll(long target, boolean withName) {
        durability.awaitFsync(target, () -> forceAsLeader(Cover.APPENDED, withName));
    }

    /** Fsyncs everything appended so far on this thread, which may hold the key's lock. */
    void forceAppended() {
        forceAsLeader(Cover.APPENDED, true);
    }

    /** @param withName whether the directory entry is made durable too, if it is not yet */
    private void forceAsLeader(Cover cover, boolean withName) {
        FileChannel channel;
        long target;
        long targetEntries;
        lock.lock();
        try {
            if (segment.hasFailed()) {
                throw new WalIOException("Segment " + segment.path() + " had a failed write or fsync; its unsynced "
                        + "entries cannot be made durable");
            }
            if (cover != Cover.WRITTEN) {
                writer.flushLocked();
            }
            target = writer.flushed();
            targetEntries = writer.flushedEntries();
            if (cover == Cover.APPENDED_PREALLOCATING && !segment.isSealed()) {
                file.preallocate(target);
            }
            channel = file.pin();
        } finally {
            lock.unlock();
        }
        long started = System.nanoTime();
        boolean interrupted = Interrupts.setAside();
        try {
            channel.force(false);
        } catch (ClosedByInterruptException e) {
            // the channel is reopened by the next use; the bytes written are intact, only not known durable
            throw events.writeFailed(new WalIOException("Interrupted while fsyncing segment " + segment.path()
                    + "; its entries since the last fsync are not known durable", e));
        } catch (ClosedChannelException e) {
            throw new WalClosedException("The WAL was closed while syncing " + segment.path());
        } catch (IOException e) {
            segment.markFailed();
            throw events.writeFailed(new WalIOException("fsync failed for segment " + segment.path()
                    + "; its entries since the last fsync are not durable", e));
        } finally {
            Interrupts.restore(interrupted);
            segment.unpin();
        }
        // compaction marks a segment deleted before it unlinks it: read after the check, so that only a file
        // removed by someone else fails here
        if (!file.isLinked() && !segment.isDeleted()) {
            throw events.writeFailed(new WalIOException("Segment " + segment.path() + " is gone from the WAL "
                    + "directory; its entries since the last fsync are not durable", new NoSuchFileException(
                            segment.path().toString(), null,
                            "gone after its fsync: the WAL directory was deleted or moved under the open WAL")));
        }
        if (withName) {
            durability.makeNameDurable();
        }
        durability.covered(target, targetEntries, System.nanoTime() - started);
    }
}
