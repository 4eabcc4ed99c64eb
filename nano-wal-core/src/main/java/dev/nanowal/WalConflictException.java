package dev.nanowal;

import java.util.Optional;

/**
 * {@link Wal#appendEntryIf} found the key's newest entry elsewhere than the caller expected: another writer
 * appended first (or compaction deleted every entry of the key). Nothing was written. Read the key again from
 * {@link #actualLast()} and retry, or give up.
 */
public class WalConflictException extends WalException {

    private static final long serialVersionUID = 1L;

    /** Null when the key holds no entry. */
    private final EntryRef actualLast;

    public WalConflictException(String message, EntryRef actualLast) {
        super(message);
        this.actualLast = actualLast;
    }

    /** What the key's newest entry was when the append was refused; empty when the key held none. */
    public Optional<EntryRef> actualLast() {
        return Optional.ofNullable(actualLast);
    }
}
