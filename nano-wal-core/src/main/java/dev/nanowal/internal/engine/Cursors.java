package dev.nanowal.internal.engine;

import dev.nanowal.CompactionGuard;
import dev.nanowal.CursorInfo;
import dev.nanowal.EntryRef;
import dev.nanowal.WalClosedException;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalCursor;
import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.internal.format.CursorFormat;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The WAL's cursors: one {@link KeyCursor} per name and key, each committed to its own small file in the WAL
 * directory (FORMAT.md, "Cursor files"), written atomically through {@link Storage#writeAtomically}. Every cursor
 * file is read when the WAL opens; a damaged one is reported then and refused when asked for, the others are
 * unaffected. Thread-safe.
 */
final class Cursors {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    /** Where a reader of a key goes on after one of its entries ({@link Keys#positionAfter}). */
    @FunctionalInterface
    interface Positions {
        TailPosition after(String key, long keyHash, EntryRef ref);
    }

    private final Path directory;
    private final Storage storage;
    private final Clock clock;
    private final Keys keys;
    private final KeyCursor.Tailers tailers;
    private final Positions positions;
    private final Map<String, KeyCursor> byFile = new ConcurrentHashMap<>();
    /** Cursor files that failed their checks at open, with the problem. */
    private final Map<String, String> damaged = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private Cursors(Path directory, Storage storage, Clock clock, Keys keys, KeyCursor.Tailers tailers,
            Positions positions) {
        this.directory = directory;
        this.storage = storage;
        this.clock = clock;
        this.keys = keys;
        this.tailers = tailers;
        this.positions = positions;
    }

    /** Reads every cursor file of {@code directory}. */
    static Cursors load(Path directory, Storage storage, Clock clock, Keys keys, KeyCursor.Tailers tailers)
            throws IOException {
        Cursors cursors = new Cursors(directory, storage, clock, keys, tailers, keys::positionAfter);
        for (Path file : storage.list(directory)) {
            String fileName = file.getFileName().toString();
            if (CursorFormat.isCursorFile(fileName)) {
                cursors.loadFile(file, fileName);
            }
        }
        return cursors;
    }

    private void loadFile(Path file, String fileName) throws IOException {
        CursorFormat.Position saved;
        try {
            saved = CursorFormat.decode(fileName, storage.readAll(file));
        } catch (FormatException e) {
            damaged.put(fileName, e.getMessage());
            LOG.log(System.Logger.Level.ERROR, "The cursor file " + file + " " + e.getMessage() + "; the cursor is "
                    + "refused until the file is deleted (it then starts again at the oldest entry held)");
            return;
        }
        EntryRef committed = new EntryRef(saved.keyHash(), saved.sequence(), saved.offset());
        TailPosition resume;
        try {
            resume = positions.after(saved.key(), saved.keyHash(), committed);
        } catch (WalException e) {
            // the entry is gone or unreadable (a repair cut it): its segment is read again from its start
            resume = new TailPosition(null, saved.sequence(), 0);
            LOG.log(System.Logger.Level.WARNING, "Cursor '" + saved.name() + "' of key '" + saved.key() + "' is at "
                    + committed + ", which cannot be read (" + e.getMessage() + "); it goes on at the start of "
                    + "that segment or the oldest entry after it");
        }
        byFile.put(fileName, newCursor(saved.name(), saved.key(), saved.keyHash(), committed, resume));
    }

    private KeyCursor newCursor(String name, String key, long keyHash, EntryRef committed, TailPosition resume) {
        return new KeyCursor(name, key, keyHash, committed, resume, this, tailers,
                ref -> positions.after(key, keyHash, ref));
    }

    /**
     * The cursor {@code name} on {@code key}, made (before its first commit) when it has no file yet.
     *
     * @throws IllegalArgumentException when the name breaks {@link CursorFormat#checkName}'s rules
     * @throws WalCorruptionException when its file is damaged
     */
    WalCursor cursor(String name, String key) {
        CursorFormat.checkName(name);
        long keyHash = KeyNames.hash(KeyNames.utf8(key));
        ensureOpen();
        String fileName = CursorFormat.fileName(name, keyHash);
        String problem = damaged.get(fileName);
        if (problem != null) {
            throw new WalCorruptionException("The cursor file " + directory.resolve(fileName) + " " + problem
                    + "; delete it to start cursor '" + name + "' again at the oldest entry held");
        }
        KeyCursor cursor = byFile.computeIfAbsent(fileName,
                file -> newCursor(name, key, keyHash, null, TailPosition.OLDEST));
        if (!cursor.key().equals(key)) {
            throw new WalException("Key '" + key + "' has the same 64-bit hash (" + Long.toHexString(keyHash)
                    + ") as key '" + cursor.key() + "', which cursor '" + name + "' reads already");
        }
        return cursor;
    }

    /** Writes a cursor's committed position; durable when this returns. */
    void write(CursorFormat.Position position) {
        ensureOpen();
        Path file = directory.resolve(CursorFormat.fileName(position.name(), position.keyHash()));
        // the write goes through a channel of its own, which a pending interrupt would close (see Interrupts)
        boolean interrupted = Interrupts.setAside();
        try {
            storage.writeAtomically(file, CursorFormat.encode(position));
        } catch (IOException e) {
            throw new WalIOException("Could not commit cursor '" + position.name() + "' of key '" + position.key()
                    + "' to " + file + "; its previous position stays committed", e);
        } finally {
            Interrupts.restore(interrupted);
        }
    }

    /** The time a commit records. */
    long now() {
        return clock.millis();
    }

    /** Every cursor, sorted by name then key. */
    List<CursorInfo> list() {
        List<CursorInfo> infos = new ArrayList<>(byFile.size());
        for (KeyCursor cursor : byFile.values()) {
            KeyLog log = keys.byHash(cursor.keyHash());
            long behind = log == null || !log.key().equals(cursor.key()) ? 0 : log.entriesAfter(cursor.resume());
            infos.add(new CursorInfo(cursor.name(), cursor.key(), cursor.position().orElse(null), behind,
                    cursor.skipped()));
        }
        infos.sort(Comparator.comparing(CursorInfo::name).thenComparing(CursorInfo::key));
        return infos;
    }

    /** Keeps every segment that a cursor on its key has not committed past. */
    CompactionGuard retentionGuard() {
        return (key, sequenceNumber, newestEntry) -> {
            for (KeyCursor cursor : byFile.values()) {
                if (cursor.key().equals(key)) {
                    EntryRef committed = cursor.position().orElse(null);
                    if (committed == null || committed.sequenceNumber() <= sequenceNumber) {
                        return false;
                    }
                }
            }
            return true;
        };
    }

    private void ensureOpen() {
        if (closed) {
            throw new WalClosedException("The WAL at " + directory + " is closed");
        }
    }

    void close() {
        closed = true;
    }
}
