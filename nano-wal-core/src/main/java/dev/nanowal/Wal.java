package dev.nanowal;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A durable, per-key write-ahead log in one directory.
 *
 * <p>Each key owns its own segment files. Every append returns an {@link EntryRef} that reads the entry back
 * later, in this process or after a restart. An append is either <em>durable</em> (on stable storage before
 * the call returns) or buffered (in memory until the buffer fills, {@link #sync()}, a read of that key, or
 * {@link #close()}). Segments rotate when their time slice (retention / segments per retention period) ends
 * or they reach the maximum size; {@link #compact()} deletes the ones whose entries are all older than the
 * retention.
 *
 * <p>Thread-safe: share one instance. Appends to one key are totally ordered; appends to different keys do
 * not wait for each other; concurrent durable appends share fsyncs. One {@code Wal} per directory: a
 * second open, from this or another process, fails with {@link WalLockedException}.
 *
 * <p>Errors are unchecked {@link WalException}s; bad arguments are {@link IllegalArgumentException} or
 * {@link NullPointerException} with a message naming the problem.
 */
public final class Wal implements AutoCloseable {

    /** The largest header, in bytes. */
    public static final int MAX_HEADER_SIZE = 65_535;
    /** The longest key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;
    /** The largest content, in bytes (a Java array's limit, less a record's header). */
    public static final int MAX_CONTENT_SIZE = Integer.MAX_VALUE - MAX_HEADER_SIZE - 64;

    private static final byte[] NO_HEADER = new byte[0];
    private static final System.Logger LOG = System.getLogger(Wal.class.getName());

    private final WalContext context;
    private final WalDirectory directory;
    private final WalOptions options;
    private final WalEvents events;
    private final Keys keys;
    private final SyncPool syncPool;
    private final Object compactionLock = new Object();
    private final List<CompactionGuard> guards = new CopyOnWriteArrayList<>();
    private final Object closeLock = new Object();
    private volatile boolean closed;

    private Wal(WalContext context, Map<Long, List<Segment>> loaded) {
        this.context = context;
        this.directory = context.directory();
        this.options = context.options();
        this.events = context.events();
        this.keys = new Keys(context, loaded);
        // A file in an fsync cannot be closed for the open-files cap, which closes idle files down to 1/8
        // below the cap: more fsyncs at once than that headroom would hold more files open than the cap.
        this.syncPool = new SyncPool(Math.min(options.syncThreads(), Math.max(1, options.maxOpenFiles() / 8)),
                directory.path().toString());
    }

    /** Opens (creating if needed) the WAL in {@code directory} with {@link WalOptions#defaults()}. */
    public static Wal open(Path directory) {
        return open(directory, WalOptions.defaults());
    }

    /**
     * Opens (creating if needed) the WAL in {@code directory}. Recovers every key's unsealed segments first:
     * a torn tail left by a crash is cut (and logged); corruption followed by valid entries fails the open
     * with {@link WalCorruptionException} unless {@link WalOptions#repairCorruptTail()} is set.
     *
     * @throws WalLockedException when the directory is already open
     * @throws WalException when {@code directory} is a file, or cannot be created or read
     */
    public static Wal open(Path directory, WalOptions options) {
        return open(directory, options, new Storage());
    }

    static Wal open(Path directory, WalOptions options, Storage storage) {
        Objects.requireNonNull(directory, "directory must not be null");
        Objects.requireNonNull(options, "options must not be null");
        // An interrupted caller would close the lock file's channel, and so release the lock, or fail the
        // recovery's reads (see Interrupts).
        return Interrupts.asideDuring(() -> openLocked(WalDirectory.lock(directory, storage), options, storage));
    }

    private static Wal openLocked(WalDirectory locked, WalOptions options, Storage storage) {
        try {
            WalContext context = new WalContext(locked, options, storage,
                    new OpenFiles(options.maxOpenFiles(), options.writeBufferSize()), new WalEvents());
            Recovery recovery = new Recovery(context);
            Map<Long, List<Segment>> loaded = recovery.load();
            locked.startSequencesAfter(recovery.highestSequence());
            Wal wal = new Wal(context, loaded);
            LOG.log(System.Logger.Level.DEBUG, "Opened WAL {0} with {1} keys", locked.path(), loaded.size());
            return wal;
        } catch (IOException e) {
            locked.release(false);
            throw new WalIOException("Could not open the WAL at " + locked.path(), e);
        } catch (RuntimeException | Error e) {
            locked.release(false);
            throw e;
        }
    }

    /**
     * Appends an entry to {@code key}.
     *
     * @param key any string of at most {@value #MAX_KEY_BYTES} UTF-8 bytes
     * @param header optional metadata of at most {@value #MAX_HEADER_SIZE} bytes; {@code null} for none
     * @param content the entry, at most {@link #MAX_CONTENT_SIZE} bytes
     * @param durable whether the entry must be on stable storage (fsynced) before this returns
     * @return where the entry is
     * @throws WalLimitExceededException when the header or content is too large (nothing is written)
     * @throws WalIOException when the disk refused the write (nothing of this entry is left behind)
     * @throws WalClosedException when the WAL is closed
     */
    public EntryRef appendEntry(String key, byte[] header, byte[] content, boolean durable) {
        byte[] checkedHeader = checkEntry(header, content);
        KeyLog log = lockLive(keys.logFor(key));
        EntryRef ref;
        Segment toSync = null;
        long end = 0;
        try {
            ref = log.appendLocked(now(), checkedHeader, content, durable);
            if (durable) {
                toSync = log.lastAppendedTo();
                end = toSync.end();
            }
        } finally {
            log.unlock();
        }
        if (toSync != null) {
            toSync.syncTo(end);
        }
        events.appended(1, (long) checkedHeader.length + content.length, durable);
        return ref;
    }

    /** Appends a durable entry: {@code appendEntry(key, header, content, true)}. */
    public EntryRef logEntry(String key, byte[] header, byte[] content) {
        return appendEntry(key, header, content, true);
    }

    /**
     * Appends many entries, in list order per key, with at most one fsync per touched segment file when
     * {@code durable}. Every entry is checked before any is written, so a bad one refuses the whole batch.
     * The batch is not atomic across a crash or an I/O error: a prefix of each key's entries may have been
     * written.
     *
     * @return the references, in the order of {@code entries}
     */
    public List<EntryRef> appendBatch(List<WalEntry> entries, boolean durable) {
        Objects.requireNonNull(entries, "entries must not be null");
        byte[][] headers = new byte[entries.size()][];
        Map<KeyLog, List<Integer>> byKey = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            WalEntry entry = Objects.requireNonNull(entries.get(i), "entries must not hold null");
            headers[i] = checkEntry(entry.header(), entry.content());
            KeyNames.utf8(entry.key());
        }
        for (int i = 0; i < entries.size(); i++) {
            byKey.computeIfAbsent(keys.logFor(entries.get(i).key()), log -> new ArrayList<>()).add(i);
        }
        EntryRef[] refs = new EntryRef[entries.size()];
        Map<Segment, Long> toSync = new IdentityHashMap<>();
        long bytes = 0;
        for (Map.Entry<KeyLog, List<Integer>> key : byKey.entrySet()) {
            KeyLog log = lockLive(key.getKey());
            try {
                for (int i : key.getValue()) {
                    refs[i] = log.appendLocked(now(), headers[i], entries.get(i).content(), false);
                    if (durable) {
                        Segment written = log.lastAppendedTo();
                        toSync.merge(written, written.end(), Math::max);
                    }
                    bytes += headers[i].length + entries.get(i).content().length;
                }
            } finally {
                log.unlock();
            }
        }
        if (durable) {
            toSync.forEach(Segment::syncTo);
        }
        events.appended(entries.size(), bytes, durable);
        return List.of(refs);
    }

    /** Locks the key's log, replacing it when compaction retired it meanwhile. */
    private KeyLog lockLive(KeyLog log) {
        KeyLog candidate = log;
        while (true) {
            ensureOpen();
            if (candidate.lockForAppend()) {
                if (closed) {
                    candidate.unlock();
                    throw closedException();
                }
                return candidate;
            }
            candidate = keys.logFor(candidate.key());
        }
    }

    private static byte[] checkEntry(byte[] header, byte[] content) {
        Objects.requireNonNull(content, "content must not be null");
        byte[] checked = header == null ? NO_HEADER : header;
        if (checked.length > MAX_HEADER_SIZE) {
            throw new WalLimitExceededException("The header is " + checked.length + " bytes; the limit is "
                    + MAX_HEADER_SIZE + " bytes. Nothing was written");
        }
        if (content.length > MAX_CONTENT_SIZE) {
            throw new WalLimitExceededException("The content is " + content.length + " bytes; the limit is "
                    + MAX_CONTENT_SIZE + " bytes. Nothing was written");
        }
        return checked;
    }

    private long now() {
        return options.clock().millis();
    }

    /** The content of the entry at {@code ref}. */
    public byte[] readEntryAt(EntryRef ref) {
        return readRecordAt(ref).content();
    }

    /**
     * The whole entry at {@code ref}: header (empty when none) and content.
     *
     * @throws WalEntryNotFoundException when the key or segment is unknown or compacted, or no entry starts
     *     at the offset
     * @throws WalCorruptionException when the bytes there fail their checksum
     */
    public WalRecord readRecordAt(EntryRef ref) {
        Objects.requireNonNull(ref, "ref must not be null");
        ensureOpen();
        return segmentOf(ref).read(ref);
    }

    /**
     * When the entry at {@code ref} was appended, by {@link WalOptions#clock()}, to the millisecond: the
     * timestamp every entry carries (the one retention goes by). The whole record is read and checked, as by
     * {@link #readRecordAt}.
     *
     * @throws WalEntryNotFoundException when the key or segment is unknown or compacted, or no entry starts
     *     at the offset
     * @throws WalCorruptionException when the bytes there fail their checksum
     */
    public Instant appendedAt(EntryRef ref) {
        Objects.requireNonNull(ref, "ref must not be null");
        ensureOpen();
        return Instant.ofEpochMilli(segmentOf(ref).timestampAt(ref));
    }

    private Segment segmentOf(EntryRef ref) {
        KeyLog log = keys.byHash(ref.keyHash());
        if (log == null) {
            throw new WalEntryNotFoundException("No key with hash " + Long.toHexString(ref.keyHash())
                    + " has entries in " + directory.path() + ": " + ref);
        }
        Segment segment = log.segment(ref.sequenceNumber());
        if (segment == null || segment.isDeleted()) {
            throw new WalEntryNotFoundException("Key '" + log.key() + "' has no segment " + ref.sequenceNumber()
                    + " (it was compacted, or never belonged to this key): " + ref);
        }
        return segment;
    }

    /** The contents of {@code key}'s entries, in append order. Close the stream (or read it to the end). */
    public Stream<byte[]> enumerateRecords(String key) {
        EntryIterator entries = entries(key);
        return entries == null ? Stream.empty() : entries.contents();
    }

    /**
     * {@code key}'s entries in append order, read lazily in constant memory. The stream sees the entries
     * appended before it was made; close it (try-with-resources) or read it to the end to release its file.
     */
    public Stream<WalRecord> enumerateEntries(String key) {
        EntryIterator entries = entries(key);
        return entries == null ? Stream.empty() : entries.records();
    }

    /** {@code key}'s entries from the beginning, or null when it has none. */
    private EntryIterator entries(String key) {
        KeyNames.utf8(key);
        ensureOpen();
        KeyLog log = keys.byName(key);
        return log == null ? null : entries(log.segments(), 0);
    }

    /**
     * The entries of {@code checkpoint}'s key appended after it, in order: resume from a saved position. When
     * the checkpoint's segment was compacted, every entry still held is after it.
     *
     * @throws WalEntryNotFoundException when the key is unknown or the checkpoint is not one of its entries
     */
    public Stream<WalRecord> enumerateEntriesAfter(EntryRef checkpoint) {
        Objects.requireNonNull(checkpoint, "checkpoint must not be null");
        ensureOpen();
        KeyLog log = keys.byHash(checkpoint.keyHash());
        if (log == null) {
            throw new WalEntryNotFoundException("No key with hash " + Long.toHexString(checkpoint.keyHash())
                    + " has entries in " + directory.path() + ": " + checkpoint);
        }
        List<Segment> segments = log.segments();
        int from = 0;
        while (from < segments.size() && segments.get(from).sequence() < checkpoint.sequenceNumber()) {
            from++;
        }
        if (from == segments.size() || segments.get(from).sequence() > checkpoint.sequenceNumber()) {
            if (from > 0) {
                throw new WalEntryNotFoundException("Key '" + log.key() + "' has no segment "
                        + checkpoint.sequenceNumber() + ": " + checkpoint);
            }
            return entries(segments, 0).records();
        }
        Segment segment = segments.get(from);
        WalRecord record = segment.read(checkpoint);
        long next = checkpoint.offset() + Frames.recordSize(record.header().length, record.content().length);
        return entries(segments.subList(from, segments.size()), next).records();
    }

    private EntryIterator entries(List<Segment> segments, long startOffset) {
        List<Segment.ReadSnapshot> snapshots = new ArrayList<>(segments.size());
        for (Segment segment : segments) {
            snapshots.add(segment.snapshotForReading());
        }
        return new EntryIterator(segments, snapshots, startOffset, context.storage(), events);
    }

    /** Every key that has entries, in sorted order. */
    public Set<String> enumerateKeys() {
        ensureOpen();
        TreeSet<String> names = new TreeSet<>();
        for (KeyLog log : keys.all()) {
            if (log.hasEntries()) {
                names.add(log.key());
            }
        }
        return Collections.unmodifiableSortedSet(names);
    }

    /**
     * Deletes every segment whose newest entry is older than the retention, active segments of quiet keys
     * included. An entry is never deleted before the retention has passed since it was written, and is
     * deleted by a compaction at most one time slice later, unless a {@link CompactionGuard} keeps it. Two
     * compactions never run at once.
     *
     * @return what was deleted
     */
    public CompactionResult compact() {
        ensureOpen();
        // the sequence floor's file is written and fsynced (see Interrupts)
        return Interrupts.asideDuring(this::compactNow);
    }

    private CompactionResult compactNow() {
        synchronized (compactionLock) {
            Instant started = options.clock().instant();
            long now = started.toEpochMilli();
            long retention = options.entryRetention().toMillis();
            List<CompactionResult.DeletedSegment> deleted = new ArrayList<>();
            try {
                for (KeyLog log : keys.all()) {
                    deleted.addAll(log.compact(now, retention, guards, directory::protectSequences));
                    if (log.isRetired()) {
                        keys.forget(log);
                    }
                }
                if (!deleted.isEmpty()) {
                    directory.fsync();
                }
            } catch (IOException e) {
                throw events.writeFailed(new WalIOException("Compaction of " + directory.path() + " failed after "
                        + deleted.size() + " segment deletions", e));
            }
            CompactionResult result = new CompactionResult(deleted, started);
            events.compacted(result);
            if (!deleted.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "Compaction deleted " + result.segmentsDeleted() + " segments ("
                        + result.bytesDeleted() + " bytes) from " + directory.path());
            }
            return result;
        }
    }

    /**
     * Makes every append made so far durable: fsyncs each key's segment that has unsynced entries, up to
     * {@link WalOptions#syncThreads()} at once, then the directory once if new segments need it.
     *
     * @throws WalIOException the first failure met, after every other key was tried
     */
    public void sync() {
        ensureOpen();
        WalException failure = syncAll();
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Fsyncs every key's active segment, several at once ({@link SyncPool}; a key with nothing new costs a lock
     * and a check), then the directory once for all the new ones among them (rather than once per new segment);
     * returns the first failure after trying every key.
     */
    private WalException syncAll() {
        SyncPool.Outcome outcome = syncPool.syncAll(new ArrayList<>(keys.all()));
        WalException failure = outcome.failure();
        List<Segment> unnamed = new ArrayList<>();
        for (Segment synced : outcome.synced()) {
            if (synced != null && !synced.isNameDurable()) {
                unnamed.add(synced);
            }
        }
        if (!unnamed.isEmpty()) {
            try {
                directory.fsync();
                unnamed.forEach(Segment::nameMadeDurable);
            } catch (IOException e) {
                WalIOException directoryFailure = events.writeFailed(
                        new WalIOException("Could not fsync the directory " + directory.path(), e));
                failure = failure == null ? directoryFailure : failure;
            }
        }
        return failure;
    }

    /** Sizes and counters, for metrics and health. */
    public WalStats stats() {
        Keys.Totals totals = keys.totals();
        return new WalStats(totals.keys(), totals.segments(), totals.bytes(), context.openFiles().count(),
                totals.appends(), totals.appendedBytes(), events.durableAppends.sum(), events.durableAppendedBytes.sum(),
                events.reads.sum(), events.syncs.sum(), events.compactions.sum(), events.segmentsDeleted.sum(),
                events.bytesTruncatedAtRecovery.sum(), events.corruptionsDetected.sum(), events.writeFailures.sum());
    }

    /** What the WAL holds for {@code key}, empty when it has no entries. */
    public Optional<KeyInfo> keyInfo(String key) {
        KeyNames.utf8(key);
        KeyLog log = keys.byName(key);
        return log == null || !log.hasEntries() ? Optional.empty() : Optional.of(log.info());
    }

    /** What the WAL holds for every key that has entries, sorted by key. */
    public List<KeyInfo> keyInfos() {
        List<KeyInfo> infos = new ArrayList<>();
        for (KeyLog log : keys.all()) {
            if (log.hasEntries()) {
                infos.add(log.info());
            }
        }
        infos.sort((a, b) -> a.key().compareTo(b.key()));
        return infos;
    }

    /** The result of the last {@link #compact()} since the WAL was opened. */
    public Optional<CompactionResult> lastCompaction() {
        return Optional.ofNullable(events.lastCompaction.get());
    }

    /** The failure of the most recent write, while no write has succeeded since. */
    public Optional<WalIOException> lastWriteFailure() {
        return Optional.ofNullable(events.lastWriteFailure.get());
    }

    /**
     * Registers a listener for fsyncs, recoveries, corruption, write failures and compactions.
     *
     * @return an action that removes it again
     */
    public Runnable addListener(WalListener listener) {
        return events.add(Objects.requireNonNull(listener, "listener must not be null"));
    }

    /**
     * Registers a guard that compaction asks before deleting an expired segment (for example a relay that
     * has not forwarded its entries yet).
     *
     * @return an action that removes it again
     */
    public Runnable addCompactionGuard(CompactionGuard guard) {
        guards.add(Objects.requireNonNull(guard, "guard must not be null"));
        return () -> guards.remove(guard);
    }

    /** The WAL's directory, absolute. */
    public Path directory() {
        return directory.path();
    }

    public WalOptions options() {
        return options;
    }

    public boolean isOpen() {
        return !closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private WalClosedException closedException() {
        return new WalClosedException("The WAL at " + directory.path() + " is closed");
    }

    /**
     * Makes every append durable, closes the files and releases the directory, keeping the data. Appends
     * racing with it either complete (durable when asked) or fail with {@link WalClosedException}.
     * Idempotent.
     *
     * @throws WalIOException when the final sync failed (the files are closed all the same)
     */
    @Override
    public void close() {
        if (markClosed()) {
            WalException failure = closeFiles();
            directory.release(false);
            if (failure != null) {
                throw failure;
            }
        }
    }

    /**
     * The seed's destructive shutdown: closes the WAL, then deletes every file it created (segments, their
     * leftovers, its meta and lock files) and the directory if that leaves it empty. Files it did not create
     * are left alone.
     */
    public void shutdown() {
        if (!markClosed()) {
            throw closedException();
        }
        closeFiles();
        try {
            for (Path file : directory.ownFiles()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            directory.release(false);
            throw new WalIOException("Could not delete the files of " + directory.path(), e);
        }
        directory.release(true);
        try {
            Files.deleteIfExists(directory.path());
        } catch (DirectoryNotEmptyException e) {
            LOG.log(System.Logger.Level.INFO, "Kept " + directory.path() + ": it holds files nano-wal did not create");
        } catch (IOException e) {
            throw new WalIOException("Could not delete " + directory.path(), e);
        }
    }

    private boolean markClosed() {
        synchronized (closeLock) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    private WalException closeFiles() {
        return Interrupts.asideDuring(() -> {
            WalException failure = syncAll();
            syncPool.shutdown();
            context.openFiles().closeAll();
            return failure;
        });
    }

    @Override
    public String toString() {
        return "Wal[" + directory.path() + (closed ? ", closed" : "") + "]";
    }
}
