package dev.nanowal.internal.engine;

import dev.nanowal.BackupResult;
import dev.nanowal.CompactionGuard;
import dev.nanowal.CompactionResult;
import dev.nanowal.CursorInfo;
import dev.nanowal.DiskState;
import dev.nanowal.FsyncLatency;
import dev.nanowal.EntryRef;
import dev.nanowal.JournalStats;
import dev.nanowal.KeyInfo;
import dev.nanowal.WalAppendWatch;
import dev.nanowal.WalClosedException;
import dev.nanowal.WalEntry;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalListener;
import dev.nanowal.WalOptions;
import dev.nanowal.WalReadOnlyException;
import dev.nanowal.WalRecord;
import dev.nanowal.WalCursor;
import dev.nanowal.WalDamage;
import dev.nanowal.WalStats;
import dev.nanowal.WalTailer;
import dev.nanowal.internal.format.CursorFormat;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.io.Storage;
import dev.nanowal.internal.tail.AppendSignals;
import dev.nanowal.internal.tail.SignalledTailer;
import dev.nanowal.internal.tail.SignalledWatch;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A read-only view of a WAL directory that another process (or this one) may have open for writing: {@code
 * Wal.openReadOnly}. It takes no lock and writes nothing, ever: no recovery, no journal replay, no truncation, no
 * file created. Every call looks at the files as they are then ({@link ReadOnlyKeys}, {@link ReadOnlyJournal});
 * each key's newest segment may be growing, so what follows its last valid frame is the end for now, never damage
 * ({@link ReadOnlySegment}); a segment the writer compacted disappears. Cursors are read from their files
 * ({@link ReadOnlyCursors}). Writes are refused with {@link WalReadOnlyException}. Thread-safe.
 */
public final class ReadOnlyEngine implements WalBackend {

    private final Path directory;
    private final Storage storage;
    private final WalEvents events;
    private final ReadOnlyJournal journal;
    private final ReadOnlyKeys keys;
    private final AppendSignals signals = new AppendSignals();
    private final ReadOnlyCursors cursorFiles;
    /** The cursors asked for, by file name: one instance per name and key, as in the writer. */
    private final Map<String, WalCursor> viewCursors = new ConcurrentHashMap<>();
    private final Object watchLock = new Object();
    private DirectoryWatch watch;
    private volatile boolean closed;

    private ReadOnlyEngine(Path directory, Storage storage) {
        this.directory = directory;
        this.storage = storage;
        this.events = new WalEvents(Clock.systemUTC(), directory, storage);
        this.journal = new ReadOnlyJournal(storage);
        this.keys = new ReadOnlyKeys(storage, journal, events);
        this.cursorFiles = new ReadOnlyCursors(directory, storage);
    }

    /**
     * A view of the existing WAL directory {@code directory}.
     *
     * @throws WalException when it does not exist or is not a directory (a read-only view creates nothing)
     */
    public static ReadOnlyEngine open(Path directory, Storage storage) {
        Objects.requireNonNull(directory, "directory must not be null");
        Path path = directory.toAbsolutePath().normalize();
        if (!storage.isDirectory(path)) {
            throw new WalException("Cannot open a read-only view of " + path + ": it " + (storage.exists(path)
                    ? "is not a directory" : "does not exist") + " (a read-only view creates nothing)");
        }
        Backup.refuseIfIncomplete(path, storage, "Cannot open a read-only view of " + path);
        ReadOnlyEngine view = new ReadOnlyEngine(path, storage);
        view.refresh();
        return view;
    }

    /** Looks at the directory and the journal again. */
    void refresh() {
        try {
            List<Path> files = storage.list(directory);
            journal.refresh(files);
            keys.refresh(files);
        } catch (IOException e) {
            throw new WalIOException("Could not read the WAL directory " + directory, e);
        }
    }

    ReadOnlyKeys knownKeys() {
        return keys;
    }

    Storage storage() {
        return storage;
    }

    WalEvents events() {
        return events;
    }

    WalReadOnlyException refused(String operation) {
        return new WalReadOnlyException(operation + " is refused: the WAL at " + directory + " is open read-only "
                + "(Wal.openReadOnly); only the process that opened it with Wal.open writes to it. Nothing was written");
    }

    @Override
    public EntryRef append(String key, byte[] header, byte[] content, boolean durable) {
        throw refused("appendEntry");
    }

    @Override
    public List<EntryRef> appendBatch(List<WalEntry> entries, boolean durable) {
        throw refused("appendBatch");
    }

    @Override
    public List<EntryRef> appendBatchIf(Map<String, EntryRef> expectedLast, List<WalEntry> entries, boolean durable) {
        throw refused("appendBatchIf");
    }

    @Override
    public EntryRef appendIf(String key, EntryRef expectedLast, byte[] header, byte[] content, boolean durable) {
        throw refused("appendEntryIf");
    }

    /**
     * The cursor as the writer last committed it, read from its file at every call ({@link ReadOnlyCursor}): it
     * polls, and refuses to commit.
     *
     * @throws dev.nanowal.WalCorruptionException when its file is damaged
     */
    @Override
    public WalCursor cursor(String name, String key) {
        CursorFormat.checkName(name);
        long keyHash = KeyNames.hash(KeyNames.utf8(key));
        ensureOpen();
        WalCursor cursor = viewCursors.computeIfAbsent(CursorFormat.fileName(name, keyHash),
                file -> new ReadOnlyCursor(name, key, keyHash, this));
        if (!cursor.key().equals(key)) {
            throw new WalException("Key '" + key + "' has the same 64-bit hash (" + Long.toHexString(keyHash)
                    + ") as key '" + cursor.key() + "', which cursor '" + name + "' reads already");
        }
        cursor.position();
        return cursor;
    }

    /**
     * The cursors whose files the directory holds now (committed ones: the writer's cursors that never committed
     * have none), with the entries the view sees after each; {@code skipped} is this view's own count, not the
     * writer's. A damaged file is logged and left out.
     */
    @Override
    public List<CursorInfo> cursors() {
        ensureOpen();
        List<CursorFormat.Position> positions = cursorFiles.all();
        refresh();
        List<CursorInfo> infos = new ArrayList<>(positions.size());
        for (CursorFormat.Position saved : positions) {
            EntryRef position = new EntryRef(saved.keyHash(), saved.sequence(), saved.offset());
            ReadOnlyKeys.Key known = keys.byHash(saved.keyHash());
            long behind = known == null || !known.name().equals(saved.key()) ? 0 : entriesAfter(known, position);
            WalCursor opened = viewCursors.get(CursorFormat.fileName(saved.name(), saved.keyHash()));
            infos.add(new CursorInfo(saved.name(), saved.key(), position, behind,
                    opened == null ? 0 : opened.skipped()));
        }
        infos.sort(Comparator.comparing(CursorInfo::name).thenComparing(CursorInfo::key));
        return infos;
    }

    /**
     * The entries {@code key} holds after {@code position}: the records of its newer segments, and those after it in
     * its own segment (all of them when it cannot be read there).
     */
    private long entriesAfter(ReadOnlyKeys.Key key, EntryRef position) {
        long behind = 0;
        for (ReadOnlySegment segment : key.segments()) {
            if (segment.sequence() > position.sequenceNumber() && segment.advance()) {
                behind += segment.records();
            } else if (segment.sequence() == position.sequenceNumber()) {
                long from;
                try {
                    from = offsetAfter(segment, position);
                } catch (WalException e) {
                    from = 0;
                }
                try (Stream<WalRecord> rest = new ReadOnlyIterator(List.of(segment), from, storage, events, false)
                        .records()) {
                    behind += rest.count();
                }
            }
        }
        return behind;
    }

    ReadOnlyCursors cursorFiles() {
        return cursorFiles;
    }

    @Override
    public CompactionGuard cursorRetentionGuard() {
        throw refused("cursorRetentionGuard (a guard on a read-only view would not hold back the writer's compaction)");
    }

    @Override
    public CompactionResult compact() {
        throw refused("compact");
    }

    @Override
    public void sync() {
        throw refused("sync");
    }

    /** A backup makes the WAL's entries durable first, which only the writing process can. */
    @Override
    public BackupResult backup(Path target) {
        throw refused("backup (take it in the process that writes the WAL, with Wal.backup)");
    }

    @Override
    public void shutdown() {
        throw refused("shutdown (which deletes the WAL's files)");
    }

    /** A guard here would never be asked: the writer's compaction runs in the writer. */
    @Override
    public Runnable addCompactionGuard(CompactionGuard guard) {
        throw refused("addCompactionGuard (a guard on a read-only view would not hold back the writer's compaction)");
    }

    @Override
    public WalRecord read(EntryRef ref) {
        return find(ref).record();
    }

    @Override
    public Instant appendedAt(EntryRef ref) {
        return Instant.ofEpochMilli(find(ref).timestamp());
    }

    /** The record at {@code ref}; when it is not there (yet), looked for once more after a fresh look at the files. */
    private ReadOnlySegment.Found find(EntryRef ref) {
        Objects.requireNonNull(ref, "ref must not be null");
        ensureOpen();
        try {
            return segmentOf(ref).read(ref, events);
        } catch (WalEntryNotFoundException e) {
            refresh();
            return segmentOf(ref).read(ref, events);
        }
    }

    private ReadOnlySegment segmentOf(EntryRef ref) {
        ReadOnlyKeys.Key key = keys.byHash(ref.keyHash());
        ReadOnlySegment segment = key == null ? null : key.segment(ref.sequenceNumber());
        if (segment == null) {
            throw new WalEntryNotFoundException("No segment " + ref.sequenceNumber() + " of key hash "
                    + Long.toHexString(ref.keyHash()) + " in " + directory + " (compacted, not created yet, or never "
                    + "one of this WAL's): " + ref);
        }
        return segment;
    }

    @Override
    public Stream<byte[]> contents(String key) {
        return records(key).map(WalRecord::content);
    }

    @Override
    public Stream<WalRecord> intactRecords(String key) {
        KeyNames.utf8(key);
        ensureOpen();
        refresh();
        ReadOnlyKeys.Key known = keys.byName(key);
        return known == null ? Stream.empty()
                : new ReadOnlyIterator(known.segments(), 0, storage, events, true).records();
    }

    /** A view runs no recovery, so it lists no damage: the damage it meets fails the read that meets it. */
    @Override
    public List<WalDamage> damage() {
        ensureOpen();
        return List.of();
    }

    @Override
    public Stream<WalRecord> records(String key) {
        KeyNames.utf8(key);
        ensureOpen();
        refresh();
        ReadOnlyKeys.Key known = keys.byName(key);
        return known == null ? Stream.empty() : new ReadOnlyIterator(known.segments(), 0, storage, events, false).records();
    }

    @Override
    public Stream<WalRecord> recordsAfter(EntryRef checkpoint) {
        Objects.requireNonNull(checkpoint, "checkpoint must not be null");
        ensureOpen();
        refresh();
        ReadOnlyKeys.Key known = keys.byHash(checkpoint.keyHash());
        if (known == null) {
            throw new WalEntryNotFoundException("No key with hash " + Long.toHexString(checkpoint.keyHash())
                    + " has entries in " + directory + ": " + checkpoint);
        }
        List<ReadOnlySegment> current = known.segments();
        int from = 0;
        while (from < current.size() && current.get(from).sequence() < checkpoint.sequenceNumber()) {
            from++;
        }
        if (from == current.size() || current.get(from).sequence() > checkpoint.sequenceNumber()) {
            if (from > 0) {
                throw new WalEntryNotFoundException("Key '" + known.name() + "' has no segment "
                        + checkpoint.sequenceNumber() + ": " + checkpoint);
            }
            return new ReadOnlyIterator(current, 0, storage, events, false).records();
        }
        long next = offsetAfter(current.get(from), checkpoint);
        return new ReadOnlyIterator(current.subList(from, current.size()), next, storage, events, false).records();
    }

    /** Where the record after {@code ref}, an entry of {@code segment}, starts (read and checked, the entry). */
    private long offsetAfter(ReadOnlySegment segment, EntryRef ref) {
        WalRecord record = segment.read(ref, events).record();
        return ref.offset() + Frames.recordSize(record.header().length, record.content().length);
    }

    /** The key's newest entry the view sees. */
    @Override
    public Optional<EntryRef> lastEntry(String key) {
        KeyNames.utf8(key);
        ensureOpen();
        refresh();
        ReadOnlyKeys.Key known = keys.byName(key);
        if (known != null) {
            for (ReadOnlySegment segment : known.bySequence().descendingMap().values()) {
                long last = segment.advance() && segment.records() > 0 ? segment.lastRecordOffset() : -1;
                if (last >= 0) {
                    return Optional.of(new EntryRef(known.keyHash(), segment.sequence(), last));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Follows {@code key} as the writer appends to it ({@link ReadOnlyTailer}), woken by the {@link DirectoryWatch}.
     *
     * @throws WalEntryNotFoundException when {@code after} is in a segment the view holds but is not an entry there
     *     (or the writer has not handed it to the operating system yet), or in a segment newer than any it holds
     */
    @Override
    public WalTailer tail(String key, EntryRef after) {
        long hash = KeyNames.hash(KeyNames.utf8(key));
        if (after != null && after.keyHash() != hash) {
            throw new IllegalArgumentException(after + " is an entry of another key (hash "
                    + Long.toHexString(after.keyHash()) + "), not of '" + key + "' (hash " + Long.toHexString(hash) + ")");
        }
        ensureOpen();
        ReadOnlyTailer reader = after == null ? new ReadOnlyTailer(this, key, -1, 0) : tailerAfter(key, after);
        watchDirectory();
        return new SignalledTailer(signals, hash, reader, this::closedException);
    }

    /** A watch woken by the {@link DirectoryWatch}, as the tailers are: by any change of the directory's files. */
    @Override
    public WalAppendWatch watchAppends() {
        watchDirectory();
        return new SignalledWatch(signals, this::closedException);
    }

    /** Starts the directory watch, once, for the first tailer or append watch. */
    private void watchDirectory() {
        synchronized (watchLock) {
            ensureOpen();
            if (watch == null) {
                watch = new DirectoryWatch(directory, signals);
            }
        }
    }

    private ReadOnlyTailer tailerAfter(String key, EntryRef after) {
        refresh();
        ReadOnlyKeys.Key known = keys.byName(key);
        ReadOnlySegment segment = known == null ? null : known.segment(after.sequenceNumber());
        if (segment != null) {
            return new ReadOnlyTailer(this, key, after.sequenceNumber(), offsetAfter(segment, after));
        }
        if (known != null && known.after(after.sequenceNumber()) == null) {
            throw new WalEntryNotFoundException("Key '" + key + "' has no segment " + after.sequenceNumber()
                    + " in " + directory + " (not created yet, or never one of this WAL's): " + after);
        }
        // compacted (or the key's every segment is): on at the oldest entry held, counted as a skip
        return new ReadOnlyTailer(this, key, after.sequenceNumber(), 0);
    }

    @Override
    public Set<String> keys() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(scanned(KeyInfo::key)));
    }

    @Override
    public Optional<KeyInfo> keyInfo(String key) {
        KeyNames.utf8(key);
        ensureOpen();
        refresh();
        ReadOnlyKeys.Key known = keys.byName(key);
        KeyInfo info = known == null ? null : info(known);
        return info == null || info.entries() == 0 ? Optional.empty() : Optional.of(info);
    }

    @Override
    public List<KeyInfo> keyInfos() {
        List<KeyInfo> infos = scanned(Function.identity());
        infos.sort((a, b) -> a.key().compareTo(b.key()));
        return infos;
    }

    /** What {@code as} makes of every key that has entries, its segments scanned up to now. */
    private <T> List<T> scanned(Function<KeyInfo, T> as) {
        ensureOpen();
        refresh();
        List<T> out = new ArrayList<>();
        for (ReadOnlyKeys.Key key : keys.all()) {
            KeyInfo info = info(key);
            if (info != null && info.entries() > 0) {
                out.add(as.apply(info));
            }
        }
        return out;
    }

    /** The key's segments as scanned now; null when they are all gone. */
    private KeyInfo info(ReadOnlyKeys.Key key) {
        long entries = 0;
        long bytes = 0;
        long oldest = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;
        int segments = 0;
        for (ReadOnlySegment segment : key.segments()) {
            if (!segment.advance()) {
                continue;
            }
            segments++;
            bytes += segment.validEnd();
            if (segment.records() > 0) {
                entries += segment.records();
                oldest = Math.min(oldest, segment.oldest());
                newest = Math.max(newest, segment.newest());
            }
        }
        if (segments == 0) {
            return null;
        }
        return new KeyInfo(key.name(), key.keyHash(), segments, entries, bytes,
                entries == 0 ? null : Instant.ofEpochMilli(oldest), entries == 0 ? null : Instant.ofEpochMilli(newest));
    }

    /**
     * What the view sees now: keys, segments and their frames' bytes; the counters count this view's reads and the
     * corruption it met (appends, syncs and compactions are the writer's, and zero here).
     */
    @Override
    public WalStats stats() {
        ensureOpen();
        refresh();
        long keyCount = 0;
        long segments = 0;
        long bytes = 0;
        for (ReadOnlyKeys.Key key : keys.all()) {
            KeyInfo info = info(key);
            if (info != null) {
                keyCount += info.entries() > 0 ? 1 : 0;
                segments += info.segments();
                bytes += info.bytes();
            }
        }
        return new WalStats(keyCount, segments, bytes, 0, 0, 0, 0, 0, events.reads.sum(), 0, 0, 0, 0,
                events.corruptionsDetected.sum(), 0);
    }

    /** A view runs no journal and replays nothing: all zero. */
    @Override
    public JournalStats journalStats() {
        return new JournalStats(false, 0, 0, 0, 0, 0, 0, Duration.ZERO);
    }

    @Override
    public Optional<CompactionResult> lastCompaction() {
        return Optional.empty();
    }

    @Override
    public Optional<WalIOException> lastWriteFailure() {
        return Optional.empty();
    }

    /** A view fsyncs nothing: no fsyncs in any window. */
    @Override
    public FsyncLatency fsyncLatency(Duration window) {
        return events.fsyncLatency(window);
    }

    /** {@link DiskState#WRITABLE}: a view writes nothing, so no write of its own failed; the writer's state is its own. */
    @Override
    public DiskState diskState() {
        ensureOpen();
        return DiskState.WRITABLE;
    }

    /** Only corruption is ever reported to a view's listeners: it syncs, recovers, writes and compacts nothing. */
    @Override
    public Runnable addListener(WalListener listener) {
        return events.add(Objects.requireNonNull(listener, "listener must not be null"));
    }

    @Override
    public Path directory() {
        return directory;
    }

    /** The defaults: the writer's options are not known to a view, and none of them changes what it reads. */
    @Override
    public WalOptions options() {
        return WalOptions.defaults();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private WalClosedException closedException() {
        return new WalClosedException("The read-only view of " + directory + " is closed");
    }

    /** Ends every tailer's wait with {@link WalClosedException}. Idempotent; the files are left as they are. */
    @Override
    public void close() {
        synchronized (watchLock) {
            closed = true;
            if (watch != null) {
                watch.close();
            }
        }
        signals.close();
    }
}
