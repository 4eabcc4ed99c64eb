package dev.nanowal;

/**
 * A write was asked of a read-only view ({@link Wal#openReadOnly}): appends, compaction, sync, shutdown and
 * compaction guards belong to the process that opened the directory with {@link Wal#open}. Nothing was written.
 */
public class WalReadOnlyException extends WalException {

    private static final long serialVersionUID = 1L;

    public WalReadOnlyException(String message) {
        super(message);
    }
}
