package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalCursor;
import dev.nanowal.WalRecord;
import dev.nanowal.WalTailer;
import dev.nanowal.internal.format.CursorFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One named cursor on one key: its committed position (the {@link EntryRef}, and where a reader goes on after it)
 * and the polls that read from there through a {@link KeyTailReader}. Commits go through {@link Cursors}, which
 * writes the file; they are serialized here, so that an older position never overwrites a newer one on disk.
 */
final class KeyCursor implements WalCursor {

    /** Makes a tailer of the key reading from a position: the engine's, so it is woken by appends and closes. */
    @FunctionalInterface
    interface Tailers {
        WalTailer from(String key, long keyHash, TailPosition position);
    }

    private final String name;
    private final String key;
    private final long keyHash;
    private final Cursors store;
    private final Tailers tailers;
    private final Function<EntryRef, TailPosition> positions;
    private volatile EntryRef committed;
    /** Where polls start: after the committed entry, or at the oldest entry held once that was compacted away. */
    private volatile TailPosition resume;
    private volatile long skipped;

    KeyCursor(String name, String key, long keyHash, EntryRef committed, TailPosition resume, Cursors store,
            Tailers tailers, Function<EntryRef, TailPosition> positions) {
        this.name = name;
        this.key = key;
        this.keyHash = keyHash;
        this.committed = committed;
        this.resume = resume;
        this.store = store;
        this.tailers = tailers;
        this.positions = positions;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String key() {
        return key;
    }

    long keyHash() {
        return keyHash;
    }

    @Override
    public Optional<EntryRef> position() {
        return Optional.ofNullable(committed);
    }

    /** Where polls start now. */
    TailPosition resume() {
        return resume;
    }

    @Override
    public List<WalRecord> poll(int maxEntries, Duration timeout) {
        checkPoll(maxEntries, timeout);
        TailPosition from = resume;
        try (WalTailer tailer = tailers.from(key, keyHash, from)) {
            List<WalRecord> records = drain(tailer, maxEntries, timeout);
            if (tailer.skipped() > 0) {
                overtaken(from);
            }
            return records;
        }
    }

    /** {@link WalCursor#poll}'s argument checks. */
    static void checkPoll(int maxEntries, Duration timeout) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, not " + maxEntries);
        }
        Objects.requireNonNull(timeout, "timeout must not be null");
    }

    /** Up to {@code maxEntries} entries of {@code tailer}, waiting up to {@code timeout} for the first. */
    static List<WalRecord> drain(WalTailer tailer, int maxEntries, Duration timeout) {
        List<WalRecord> records = new ArrayList<>();
        Optional<WalRecord> next = tailer.poll(timeout);
        while (next.isPresent()) {
            records.add(next.get());
            next = records.size() < maxEntries ? tailer.poll(Duration.ZERO) : Optional.empty();
        }
        return records;
    }

    /** Entries after {@code from} were compacted away: polls start at the oldest entry held until the next commit. */
    private synchronized void overtaken(TailPosition from) {
        if (resume == from) {
            resume = TailPosition.OLDEST;
            skipped++;
        }
    }

    @Override
    public synchronized void commit(EntryRef position) {
        Objects.requireNonNull(position, "position must not be null");
        if (position.keyHash() != keyHash) {
            throw new IllegalArgumentException("Cursor '" + name + "' reads key '" + key + "' (hash "
                    + Long.toHexString(keyHash) + "); " + position + " is an entry of another key");
        }
        TailPosition after = positions.apply(position);
        store.write(new CursorFormat.Position(name, key, keyHash, position.sequenceNumber(), position.offset(),
                store.now()));
        committed = position;
        resume = after;
    }

    @Override
    public long skipped() {
        return skipped;
    }

    @Override
    public String toString() {
        return "WalCursor[" + name + ", key '" + key + "', at " + committed + "]";
    }
}
