package dev.nanowal.internal.engine;

import dev.nanowal.WalIOException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What of one segment is on stable storage: the position and entry count its fsyncs reached, whether its
 * directory entry is durable, and the {@link GroupCommit} through which concurrent callers share fsyncs.
 * The segment runs the fsync itself and reports here what it covered.
 */
final class Durability {

    private final Path path;
    private final WalDirectory directory;
    private final WalEvents events;
    private final GroupCommit groupCommit = new GroupCommit();
    private volatile long position;
    /** Where the bytes that an fsync of the segment itself covered end; the journal may cover more. */
    private volatile long fsynced;
    private long entries;
    private volatile boolean nameDurable;

    /** @param position where the durable bytes end (all of a segment found on disk, nothing of a new one) */
    Durability(Path path, WalDirectory directory, WalEvents events, long position, long entries, boolean nameDurable) {
        this.path = path;
        this.directory = directory;
        this.events = events;
        this.position = position;
        this.fsynced = position;
        this.entries = entries;
        this.nameDurable = nameDurable;
    }

    /** Returns once an fsync covered every byte below {@code target}, running {@code fsync} as the leader if needed. */
    void await(long target, Runnable fsync) {
        groupCommit.await(() -> position >= target, fsync);
    }

    /** Returns once an fsync of the segment itself covered every byte below {@code target} (a checkpoint). */
    void awaitFsync(long target, Runnable fsync) {
        groupCommit.await(() -> fsynced >= target, fsync);
    }

    /** Where the durable bytes end, by the segment's fsyncs or the journal. */
    long position() {
        return position;
    }

    long fsynced() {
        return fsynced;
    }

    /** Records that the commit journal made the bytes below {@code target} durable. */
    synchronized void journaled(long target) {
        position = Math.max(position, target);
    }

    /**
     * Journal replay wrote bytes of the segment that no fsync of its own covered yet: none counts as fsynced, so
     * the first checkpoint fsyncs it before the journal files that hold those bytes retire.
     */
    synchronized void fsyncOwed() {
        fsynced = 0;
    }

    /** Records that the bytes below {@code target} were written again and fsynced (not through this segment). */
    synchronized void fsyncedTo(long target) {
        fsynced = Math.max(fsynced, target);
        position = Math.max(position, target);
    }

    /**
     * Records an fsync that covered the bytes below {@code target}, {@code targetEntries} entries. A seal
     * forces outside the group commit, so another fsync of the file may finish later with less: never back.
     */
    void covered(long target, long targetEntries, long nanos) {
        long newlyDurable;
        synchronized (this) {
            newlyDurable = Math.max(0, targetEntries - entries);
            entries = Math.max(entries, targetEntries);
            position = Math.max(position, target);
            fsynced = Math.max(fsynced, target);
        }
        events.synced(nanos, (int) newlyDurable);
    }

    /** Whether the segment's directory entry is known durable (false for a new segment until a sync). */
    boolean isNameDurable() {
        return nameDurable;
    }

    /** Records that the directory was fsynced after this segment's file was. */
    void nameMadeDurable() {
        nameDurable = true;
    }

    /** A new segment's directory entry becomes durable with its first fsync, not at creation (that is cheap). */
    void makeNameDurable() {
        if (!nameDurable) {
            try {
                directory.fsync();
            } catch (IOException e) {
                throw events.writeFailed(new WalIOException("Could not fsync the directory of new segment " + path, e));
            }
            nameDurable = true;
        }
    }
}
