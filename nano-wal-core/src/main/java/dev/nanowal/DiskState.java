package dev.nanowal;

/**
 * What the WAL knows of its disk, learnt from the errors its own writes and fsyncs met ({@link Wal#diskState()}).
 * It leaves a state other than {@link #WRITABLE} by itself, without a restart, once a probe finds the disk usable
 * again. Reads, enumeration and compaction work in every state.
 */
public enum DiskState {

    /** No write or fsync failed since the last one that succeeded. */
    WRITABLE,

    /**
     * A write met {@code ENOSPC}. Appends are refused at once with a {@link WalIOException} whose
     * {@link WalIOException#isDiskFull()} is true, before anything is written, until the file store has some free
     * space again (checked on each refused append, cheaply: the file store's usable space).
     */
    DISK_FULL,

    /**
     * A write or fsync failed with an I/O error other than a full disk ({@code EIO}, typically). Durable appends,
     * and appends that would need another new segment for a key whose segment failed, are refused with a
     * {@link WalIOException} until a probe (a small file written, fsynced and deleted) succeeds; each refused one
     * runs that probe first. So the number of files stays bounded however long fsync fails: a key adds at most one
     * segment between two fsyncs that succeed.
     */
    FAILING
}
