package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalCursor;
import dev.nanowal.WalException;
import dev.nanowal.WalRecord;
import dev.nanowal.WalTailer;
import dev.nanowal.internal.format.CursorFormat;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cursor seen through a read-only view: its committed position is read from its file at every call, so it
 * follows the writer's commits, and a poll reads the entries after it through the view's tailer. It never writes:
 * {@link #commit} is refused with {@code WalReadOnlyException}. Thread-safe.
 */
final class ReadOnlyCursor implements WalCursor {

    private final String name;
    private final String key;
    private final String fileName;
    private final ReadOnlyEngine view;
    private final AtomicLong skipped = new AtomicLong();

    ReadOnlyCursor(String name, String key, long keyHash, ReadOnlyEngine view) {
        this.name = name;
        this.key = key;
        this.fileName = CursorFormat.fileName(name, keyHash);
        this.view = view;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String key() {
        return key;
    }

    /**
     * The writer's committed position, as its file holds it now.
     *
     * @throws dev.nanowal.WalCorruptionException when the file is damaged
     */
    @Override
    public Optional<EntryRef> position() {
        CursorFormat.Position saved = view.cursorFiles().read(fileName);
        if (saved == null) {
            return Optional.empty();
        }
        if (!saved.key().equals(key)) {
            throw new WalException("Key '" + key + "' has the same 64-bit hash (" + Long.toHexString(saved.keyHash())
                    + ") as key '" + saved.key() + "', which cursor '" + name + "' reads already");
        }
        return Optional.of(new EntryRef(saved.keyHash(), saved.sequence(), saved.offset()));
    }

    @Override
    public List<WalRecord> poll(int maxEntries, Duration timeout) {
        KeyCursor.checkPoll(maxEntries, timeout);
        try (WalTailer tailer = view.tail(key, position().orElse(null))) {
            List<WalRecord> records = KeyCursor.drain(tailer, maxEntries, timeout);
            if (tailer.skipped() > 0) {
                skipped.incrementAndGet();
            }
            return records;
        }
    }

    @Override
    public void commit(EntryRef position) {
        throw view.refused("commit of cursor '" + name + "' (the writer commits its cursors)");
    }

    /** How many of this view's polls found entries after the position compacted away. */
    @Override
    public long skipped() {
        return skipped.get();
    }

    @Override
    public String toString() {
        return "WalCursor[" + name + ", key '" + key + "', read-only]";
    }
}
