package dev.nanowal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A durable, named position in one key: what a consumer has processed, kept in the WAL directory across restarts.
 * Made by {@link Wal#cursor(String, String)}; one instance per name and key, shared by the threads that use it.
 *
 * <p>At-least-once consumption: {@link #poll} the entries after the committed position, process them, then
 * {@link #commit} the last one processed. After a crash, polling returns again what was not committed.
 *
 * <p>Retention does not wait for cursors unless asked: when compaction deleted entries after the committed
 * position, a poll goes on at the oldest entry held and {@link #skipped()} counts it. To keep what a cursor has
 * not read, register {@link Wal#cursorRetentionGuard()} with {@link Wal#addCompactionGuard}.
 *
 * <p>Thread-safe.
 */
public interface WalCursor {

    /** The cursor's name. */
    String name();

    /** The key it reads. */
    String key();

    /** The committed position: the last entry processed; empty before the first commit. */
    Optional<EntryRef> position();

    /**
     * The entries after the committed position (all held ones before the first commit), at most
     * {@code maxEntries}, waiting up to {@code timeout} for at least one. Does not move the position: polling again
     * without a commit returns the same entries (and any newer ones).
     *
     * @param maxEntries at least 1
     * @return the entries, in order; empty when none came within the timeout (or the wait was interrupted)
     * @throws WalClosedException when the WAL is closed, also while waiting
     */
    List<WalRecord> poll(int maxEntries, Duration timeout);

    /**
     * Sets the committed position, forwards or back: on stable storage (file fsynced, renamed into place, directory
     * fsynced) when this returns.
     *
     * @param position an entry of the cursor's key (one that {@link #poll} returned, typically)
     * @throws IllegalArgumentException when {@code position} is an entry of another key
     * @throws WalEntryNotFoundException when {@code position} is not an entry of the key
     * @throws WalIOException when the file could not be written (the previous position stays committed)
     */
    void commit(EntryRef position);

    /**
     * How many times, since the WAL was opened, a poll found entries after the committed position compacted away
     * and went on at the oldest entry held (counted once per commit that was overtaken).
     */
    long skipped();
}
