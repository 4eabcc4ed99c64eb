package dev.nanowal;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Hears about the WAL's slow or rare events, for metrics and alerts. Register with
 * {@link Wal#addListener(WalListener)}. Called on the thread that did the work (for {@link Wal#sync()} of many keys,
 * possibly one of the WAL's sync threads, see {@link WalOptions#syncThreads()}), so keep it quick and do not
 * call back into the WAL; an exception thrown here is logged and ignored.
 */
public interface WalListener {

    /**
     * One fsync of a segment file finished.
     *
     * @param duration how long {@code force} took
     * @param waiters how many durable appends (or syncs) it made durable: the group-commit batch size
     */
    default void onSync(Duration duration, int waiters) {
    }

    /**
     * Opening found and cut a torn or damaged tail.
     *
     * @param segment the segment file
     * @param validBytes the size kept
     * @param bytesTruncated the bytes cut
     */
    default void onRecovery(Path segment, long validBytes, long bytesTruncated) {
    }

    /** A checksum or framing failure was detected. */
    default void onCorruption(WalCorruptionException exception) {
    }

    /** An append, sync or rotation failed with an I/O error. */
    default void onWriteFailure(WalIOException exception) {
    }

    /** A compaction finished. */
    default void onCompaction(CompactionResult result) {
    }

    /**
     * One commit of the shared journal finished: a write and an fdatasync covering durable appends to any keys.
     *
     * @param duration how long the write and the fdatasync took
     * @param entries the durable entries it made durable (the group-commit batch size)
     * @param keys how many keys' segments they belong to
     */
    default void onJournalCommit(Duration duration, int entries, int keys) {
    }

    /**
     * A checkpoint finished: the segments with unsynced bytes were fsynced and the journal files they made
     * redundant retired.
     *
     * @param duration how long it took
     * @param segments how many segment files it fsynced
     */
    default void onCheckpoint(Duration duration, int segments) {
    }

    /**
     * The disk's state changed ({@link Wal#diskState()}): out of space, failing, or writable again.
     *
     * @param state the new state
     * @param cause the failure that caused it, or null when the state is {@link DiskState#WRITABLE}
     */
    default void onDiskStateChange(DiskState state, WalIOException cause) {
    }
}
