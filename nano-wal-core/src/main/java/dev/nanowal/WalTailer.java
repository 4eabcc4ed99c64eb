package dev.nanowal;

import java.time.Duration;
import java.util.Optional;

/**
 * Follows one key as it grows: {@link #poll} returns its entries in append order, one at a time, and waits for
 * the next append when it has returned them all. Made by {@link Wal#tail(String, EntryRef)}.
 *
 * <p>An append in this process wakes a waiting tailer at once (no polling loop: a waiting tailer uses no CPU),
 * buffered appends included: a tailer sees an entry as soon as {@code appendEntry} returned it. Any number of
 * tailers may follow one key. Rotation is invisible to a tailer. When compaction deleted the entry a tailer
 * would have returned next, it goes on at the oldest entry held and counts the jump in {@link #skipped()}.
 *
 * <p>Not thread-safe: one thread polls; {@link #close()} may be called from any thread.
 */
public interface WalTailer extends AutoCloseable {

    /**
     * The next entry, waiting up to {@code timeout} for an append when there is none yet. An interrupt ends the
     * wait early: the result is then empty and the thread's interrupt status stays set.
     *
     * @param timeout how long to wait; zero or less returns at once
     * @return the next entry, or empty when none came within the timeout
     * @throws WalClosedException when the WAL or this tailer is closed, also while waiting
     */
    Optional<WalRecord> poll(Duration timeout);

    /**
     * How many times the tailer found entries it had not returned yet deleted by compaction and went on at the
     * oldest entry held instead. Counted when it cannot prove it missed nothing (for example when it started
     * {@code after} an entry whose segment was gone already).
     */
    long skipped();

    /** Releases the tailer; a poll waiting in another thread ends with {@link WalClosedException}. Idempotent. */
    @Override
    void close();
}
