package dev.nanowal.internal.tail;

import dev.nanowal.WalRecord;

/**
 * What a tailer reads: one key's entries after a position that moves on with every entry returned. Never waits;
 * {@link SignalledTailer} waits for an {@link AppendSignals} signal when this has nothing. Not thread-safe.
 */
public interface TailReader extends AutoCloseable {

    /** The next entry, or null when the key holds none after the position yet. */
    WalRecord next();

    /** How many times the reader found unread entries compacted away and went on at the oldest entry held. */
    long skipped();

    /** Releases what the reader holds open (its file). */
    @Override
    void close();
}
