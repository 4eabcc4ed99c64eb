package dev.nanowal.internal.engine;

import dev.nanowal.BackupResult;
import dev.nanowal.CompactionGuard;
import dev.nanowal.CompactionResult;
import dev.nanowal.CursorInfo;
import dev.nanowal.DiskState;
import dev.nanowal.EntryRef;
import dev.nanowal.FsyncLatency;
import dev.nanowal.JournalStats;
import dev.nanowal.KeyInfo;
import dev.nanowal.WalAppendWatch;
import dev.nanowal.WalClosedException;
import dev.nanowal.WalConflictException;
import dev.nanowal.WalCursor;
import dev.nanowal.WalDamage;
import dev.nanowal.WalEntry;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalLimitExceededException;
import dev.nanowal.WalListener;
import dev.nanowal.WalOptions;
import dev.nanowal.WalRecord;
import dev.nanowal.WalStats;
import dev.nanowal.WalTailer;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.Limits;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.io.Storage;
import dev.nanowal.internal.tail.AppendSignals;
import dev.nanowal.internal.tail.SignalledTailer;
import dev.nanowal.internal.tail.SignalledWatch;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
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
 * The engine behind one open {@code dev.nanowal.Wal}, which delegates every call here: arguments checked,
 * then each call goes down to the key's {@link KeyLog} (appends, reads, retention), to {@link Checkpoints} (a sync
 * of every key, the commit journal's checkpoints, the close's last sync), to {@link Compaction} (retention over
 * every key), to {@link Backup} or to {@link WalDirectory} (lock, shutdown); {@link WalOpening} builds it at open.
 * It never handles a {@link Segment} itself.
 * Thread-safe; its contract is the one {@code Wal}'s javadoc states.
 */
public final class WalEngine implements WalBackend {

    /** The logger every part of the engine writes to: named after the class users know. */
    static final String LOGGER = "dev.nanowal.Wal";

    /**
     * Free space, beyond one write buffer, at which a full disk is tried again: a journal file's first zeros. Less
     * would let appends fail one by one at the edge; the next ENOSPC, which writes nothing partial, stops them again.
     */
    private static final long FREE_SPACE_MARGIN = 64 * 1024;
    private static final System.Logger LOG = System.getLogger(LOGGER);

    private final WalContext context;
    private final WalDirectory directory;
    private final WalOptions options;
    private final WalEvents events;
    private final Keys keys;
    private final Cursors cursors;
    /** Wakes the tailers of a key, and the append watches, after each append to it; all of them at close. */
    private final AppendSignals signals = new AppendSignals();
    private final DiskGate diskGate;
    private final Object compactionLock = new Object();
    private final List<CompactionGuard> guards = new CopyOnWriteArrayList<>();
    private final Object closeLock = new Object();
    private final Checkpoints checkpoints;
    /** The commit journal, or null when the WAL runs without it. */
    private final Journal journal;
    private final JournalReplay.Result replayed;
    private final Quarantine quarantine;
    private final Compaction compaction;
    private volatile boolean closed;

    /** Over what {@link WalOpening} recovered, with the directory locked. */
    WalEngine(WalContext context, Map<Long, List<Segment>> loaded, JournalReplay.Result replayed, SyncPool syncPool)
            throws IOException {
        this.context = context;
        this.quarantine = context.quarantine();
        this.replayed = replayed;
        this.directory = context.directory();
        this.options = context.options();
        this.events = context.events();
        this.keys = new Keys(context, loaded);
        this.diskGate = new DiskGate(directory.path(), context.storage(), events,
                FREE_SPACE_MARGIN + options.writeBufferSize());
        this.cursors = Cursors.load(directory.path(), context.storage(), options.clock(), keys, this::tailFrom);
        this.checkpoints = new Checkpoints(context, keys, syncPool, replayed, () -> closed);
        this.journal = checkpoints.journal();
        this.compaction = new Compaction(options, directory, keys, events, journal, guards,
                checkpoints::checkpointLocked);
        AppendPath.prepare();
    }

    /** Locks {@code directory} (creating it if needed) and recovers it ({@link WalOpening}); see {@code Wal.open}. */
    public static WalEngine open(Path directory, WalOptions options, Storage storage) {
        return WalOpening.open(directory, options, storage);
    }

    public EntryRef append(String key, byte[] header, byte[] content, boolean durable) {
        byte[] checkedHeader = checkEntry(header, content);
        return appendTo(keys.logFor(key), false, null, checkedHeader, content, durable);
    }

    /** {@link #append} if {@code key}'s newest entry is {@code expectedLast} (null: if it has none). */
    public EntryRef appendIf(String key, EntryRef expectedLast, byte[] header, byte[] content, boolean durable) {
        byte[] checkedHeader = checkEntry(header, content);
        // the key's log knows its hash: encoding and hashing the key again would be work done twice per append
        KeyLog log = keys.logFor(key);
        if (expectedLast != null && expectedLast.keyHash() != log.keyHash()) {
            throw new IllegalArgumentException("expectedLast " + expectedLast + " is an entry of another key (hash "
                    + Long.toHexString(expectedLast.keyHash()) + "), not of '" + key + "' (hash "
                    + Long.toHexString(log.keyHash()) + ")");
        }
        return appendTo(log, true, expectedLast, checkedHeader, content, durable);
    }

    /** One entry to one key, conditional or not: the disk gate, the append, the tailers' wake-up, the counts. */
    private EntryRef appendTo(KeyLog log, boolean conditional, EntryRef expectedLast, byte[] header, byte[] content,
            boolean durable) {
        diskGate.admit(log, durable);
        EntryRef ref;
        try {
            ref = lockLive(log).appendAndUnlock(conditional, expectedLast, now(), header, content, durable, journal);
        } finally {
            // also when a durable append failed: its entry may be readable all the same
            signals.appended(log.keyHash());
        }
        events.appended(1, (long) header.length + content.length, durable);
        return ref;
    }

    /** {@code key}'s newest entry. */
    public Optional<EntryRef> lastEntry(String key) {
        KeyNames.utf8(key);
        ensureOpen();
        KeyLog log = keys.byName(key);
        return log == null ? Optional.empty() : Optional.ofNullable(log.last());
    }

    /** A tailer of {@code key} from after {@code after} (null: from the oldest entry held). */
    public WalTailer tail(String key, EntryRef after) {
        long hash = KeyNames.hash(KeyNames.utf8(key));
        ensureOpen();
        return tailFrom(key, hash, keys.positionAfter(key, hash, after));
    }

    private WalTailer tailFrom(String key, long hash, TailPosition from) {
        return new SignalledTailer(signals, hash, new KeyTailReader(keys, key, hash, from), this::closedException);
    }

    /** A watch that every append to any key wakes. */
    public WalAppendWatch watchAppends() {
        ensureOpen();
        return new SignalledWatch(signals, this::closedException);
    }

    /** The cursor {@code name} on {@code key}. */
    public WalCursor cursor(String name, String key) {
        ensureOpen();
        return cursors.cursor(name, key);
    }

    public List<CursorInfo> cursors() {
        ensureOpen();
        return cursors.list();
    }

    /** A guard that keeps the segments a cursor on their key has not committed past. */
    public CompactionGuard cursorRetentionGuard() {
        return cursors.retentionGuard();
    }

    public List<EntryRef> appendBatch(List<WalEntry> entries, boolean durable) {
        Objects.requireNonNull(entries, "entries must not be null");
        int count = entries.size();
        // A batch usually runs of one key: its checks and lookup are done once per run, not once per entry.
        String previous = null;
        boolean oneKey = true;
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            WalEntry entry = entries.get(i);
            bytes += checkEntry(entry);
            if (!entry.key().equals(previous)) {
                // a key with a log passed this check when its log was made: encoding it again per batch was a
                // twentieth of a batch's time
                if (keys.byName(entry.key()) == null) {
                    KeyNames.utf8(entry.key());
                }
                oneKey = previous == null;
                previous = entry.key();
            }
        }
        // one clock read for the whole batch: its entries are appended together
        long now = now();
        List<EntryRef> refs = oneKey && count > 0
                ? appendOneKey(keys.logFor(previous), now, entries, bytes, durable)
                : appendKeys(now, entries, durable);
        events.appended(count, bytes, durable);
        return refs;
    }

    /** A batch to one key: one hold of its lock, and nothing allocated but the references. */
    private List<EntryRef> appendOneKey(KeyLog key, long now, List<WalEntry> entries, long bytes, boolean durable) {
        diskGate.admit(key, durable);
        BatchRefs refs = BatchRefs.ofOneKey(entries.size(), key.keyHash());
        BatchSyncs toSync = durable ? new BatchSyncs() : null;
        try {
            appendRun(key, now, entries, bytes, null, refs, toSync);
            if (durable) {
                toSync.syncAll();
            }
        } finally {
            signals.appended(key.keyHash());
        }
        return refs;
    }

    /** A batch to several keys: each key's entries under one hold of its lock, then one wait for all of them. */
    private List<EntryRef> appendKeys(long now, List<WalEntry> entries, boolean durable) {
        Map<KeyLog, List<Integer>> byKey = byKey(entries);
        for (KeyLog log : byKey.keySet()) {
            diskGate.admit(log, durable);
        }
        BatchRefs refs = BatchRefs.ofKeys(entries.size());
        BatchSyncs toSync = durable ? new BatchSyncs() : null;
        try {
            for (Map.Entry<KeyLog, List<Integer>> key : byKey.entrySet()) {
                appendRun(key.getKey(), now, entries, 0, key.getValue(), refs, toSync);
            }
            if (durable) {
                toSync.syncAll();
            }
        } finally {
            for (KeyLog log : byKey.keySet()) {
                signals.appended(log.keyHash());
            }
        }
        return refs;
    }

    /**
     * Appends one key's entries of a batch under one hold of its lock: the {@code indexes} given, or all of them
     * (holding {@code bytes} of headers and contents) when null; adds what makes them durable to {@code toSync}
     * unless that is null.
     */
    private void appendRun(KeyLog key, long now, List<WalEntry> entries, long bytes, List<Integer> indexes,
            BatchRefs refs, BatchSyncs toSync) {
        KeyLog log = lockLive(key);
        try {
            if (indexes == null) {
                log.appendAllLocked(now, entries, bytes, refs);
            } else {
                for (int i : indexes) {
                    WalEntry entry = entries.get(i);
                    refs.put(i, log.appendLocked(now, Frames.headerOrNone(entry.header()), entry.content(), false));
                }
            }
            if (toSync != null) {
                log.addDurableTo(toSync, journal);
            }
        } finally {
            log.unlock();
        }
    }

    /**
     * {@link #appendBatch} if every key of the batch ends at its expected entry (null: holds none), decided with the
     * locks of all its keys held, taken in the order of their hashes so that two such batches never deadlock; on a
     * conflict nothing is written.
     */
    public List<EntryRef> appendBatchIf(Map<String, EntryRef> expectedLast, List<WalEntry> entries, boolean durable) {
        Objects.requireNonNull(expectedLast, "expectedLast must not be null");
        Objects.requireNonNull(entries, "entries must not be null");
        long bytes = 0;
        for (WalEntry entry : entries) {
            bytes += checkEntry(entry);
        }
        Map<KeyLog, List<Integer>> byKey = byKey(entries);
        checkExpectations(expectedLast, byKey.keySet());
        for (KeyLog log : byKey.keySet()) {
            diskGate.admit(log, durable);
        }
        List<KeyLog> order = new ArrayList<>(byKey.keySet());
        order.sort(Comparator.comparingLong(KeyLog::keyHash));
        Map<Long, KeyLog> locked = new HashMap<>();
        BatchRefs refs = BatchRefs.ofKeys(entries.size());
        BatchSyncs toSync = new BatchSyncs();
        long now = now();
        boolean written = false;
        try {
            try {
                for (KeyLog log : order) {
                    locked.put(log.keyHash(), lockLive(log));
                }
                for (KeyLog key : byKey.keySet()) {
                    KeyLog log = locked.get(key.keyHash());
                    EntryRef actual = log.lastLocked();
                    EntryRef expected = expectedLast.get(log.key());
                    if (!Objects.equals(actual, expected)) {
                        throw new WalConflictException("Key '" + log.key() + "' ends at "
                                + (actual == null ? "no entry" : actual) + ", not at the expected "
                                + (expected == null ? "no entry" : expected) + ". Nothing of the batch was written",
                                actual);
                    }
                }
                written = true;
                for (Map.Entry<KeyLog, List<Integer>> key : byKey.entrySet()) {
                    KeyLog log = locked.get(key.getKey().keyHash());
                    for (int i : key.getValue()) {
                        WalEntry entry = entries.get(i);
                        refs.put(i, log.appendLocked(now, Frames.headerOrNone(entry.header()), entry.content(), false));
                    }
                    if (durable) {
                        log.addDurableTo(toSync, journal);
                    }
                }
            } finally {
                locked.values().forEach(KeyLog::unlock);
            }
            if (durable) {
                toSync.syncAll();
            }
        } finally {
            if (written) {
                for (KeyLog log : byKey.keySet()) {
                    signals.appended(log.keyHash());
                }
            }
        }
        events.appended(entries.size(), bytes, durable);
        return refs;
    }

    /** One expected entry per key of a conditional batch, of that key, and none for a key it does not write. */
    private static void checkExpectations(Map<String, EntryRef> expectedLast, Set<KeyLog> written) {
        Set<String> keysWritten = new TreeSet<>();
        for (KeyLog log : written) {
            keysWritten.add(log.key());
            if (!expectedLast.containsKey(log.key())) {
                throw new IllegalArgumentException("expectedLast has no entry for key '" + log.key() + "', which the "
                        + "batch writes; give each key of the batch its newest entry as read (null: it holds none)");
            }
            EntryRef expected = expectedLast.get(log.key());
            if (expected != null && expected.keyHash() != log.keyHash()) {
                throw new IllegalArgumentException("expectedLast " + expected + " of key '" + log.key() + "' is an "
                        + "entry of another key (hash " + Long.toHexString(expected.keyHash()) + ")");
            }
        }
        for (String key : expectedLast.keySet()) {
            if (!keysWritten.contains(key)) {
                throw new IllegalArgumentException("expectedLast names key '" + key + "', which the batch does not "
                        + "write; it takes one expected entry for each key of the batch, and no other");
            }
        }
    }

    /** The entries' indexes by key, keys in the order of their first entry. */
    private Map<KeyLog, List<Integer>> byKey(List<WalEntry> entries) {
        Map<KeyLog, List<Integer>> byKey = new LinkedHashMap<>();
        String previous = null;
        List<Integer> run = null;
        for (int i = 0; i < entries.size(); i++) {
            String key = entries.get(i).key();
            if (!key.equals(previous)) {
                run = byKey.computeIfAbsent(keys.logFor(key), log -> new ArrayList<>());
                previous = key;
            }
            run.add(i);
        }
        return byKey;
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

    /** Checks one entry of a batch; returns its bytes of header and content. */
    private static long checkEntry(WalEntry entry) {
        Objects.requireNonNull(entry, "entries must not hold null");
        return checkEntry(entry.header(), entry.content()).length + entry.content().length;
    }

    private static byte[] checkEntry(byte[] header, byte[] content) {
        Objects.requireNonNull(content, "content must not be null");
        byte[] checked = Frames.headerOrNone(header);
        if (checked.length > Limits.MAX_HEADER_SIZE) {
            throw new WalLimitExceededException("The header is " + checked.length + " bytes; the limit is "
                    + Limits.MAX_HEADER_SIZE + " bytes. Nothing was written");
        }
        if (content.length > Limits.MAX_CONTENT_SIZE) {
            throw new WalLimitExceededException("The content is " + content.length + " bytes; the limit is "
                    + Limits.MAX_CONTENT_SIZE + " bytes. Nothing was written");
        }
        return checked;
    }

    private long now() {
        return options.clock().millis();
    }

    public WalRecord read(EntryRef ref) {
        Objects.requireNonNull(ref, "ref must not be null");
        ensureOpen();
        return logOf(ref).read(ref);
    }

    public Instant appendedAt(EntryRef ref) {
        Objects.requireNonNull(ref, "ref must not be null");
        ensureOpen();
        return Instant.ofEpochMilli(logOf(ref).timestampAt(ref));
    }

    private KeyLog logOf(EntryRef ref) {
        quarantine.checkReadable(ref);
        KeyLog log = keys.byHash(ref.keyHash());
        if (log == null) {
            throw new WalEntryNotFoundException("No key with hash " + Long.toHexString(ref.keyHash())
                    + " has entries in " + directory.path() + ": " + ref);
        }
        return log;
    }

    /** The contents of {@code key}'s entries. */
    public Stream<byte[]> contents(String key) {
        EntryIterator entries = entries(key);
        return entries == null ? Stream.empty() : entries.contents();
    }

    public Stream<WalRecord> records(String key) {
        EntryIterator entries = entries(key);
        return entries == null ? Stream.empty() : entries.records();
    }

    /** {@code key}'s intact entries: damaged bytes skipped (see {@code Wal.enumerateIntactEntries}). */
    @Override
    public Stream<WalRecord> intactRecords(String key) {
        EntryIterator entries = entries(key, true);
        return entries == null ? Stream.empty() : entries.records();
    }

    private EntryIterator entries(String key) {
        return entries(key, false);
    }

    /** {@code key}'s entries from the beginning, or null when it has none. */
    private EntryIterator entries(String key, boolean skipDamaged) {
        KeyNames.utf8(key);
        ensureOpen();
        KeyLog log = keys.byName(key);
        return log == null ? null : log.entries(skipDamaged);
    }

    /** The damage opening isolated, one entry per damaged file. */
    @Override
    public List<WalDamage> damage() {
        return quarantine.all(context.storage());
    }

    public Stream<WalRecord> recordsAfter(EntryRef checkpoint) {
        Objects.requireNonNull(checkpoint, "checkpoint must not be null");
        ensureOpen();
        return logOf(checkpoint).entriesAfter(checkpoint).records();
    }

    public Set<String> keys() {
        ensureOpen();
        TreeSet<String> names = new TreeSet<>();
        for (KeyLog log : keys.all()) {
            if (log.hasEntries()) {
                names.add(log.key());
            }
        }
        return Collections.unmodifiableSortedSet(names);
    }

    public CompactionResult compact() {
        ensureOpen();
        // the sequence floor's file is written and fsynced (see Interrupts)
        return Interrupts.asideDuring(this::compactNow);
    }

    private CompactionResult compactNow() {
        synchronized (compactionLock) {
            return checkpoints.locked(compaction::run);
        }
    }

    /** With the journal, a checkpoint: the journal files it makes redundant are retired. */
    public void sync() {
        ensureOpen();
        diskGate.admitSync();
        // segment and journal I/O; a pending interrupt would close shared channels (see Interrupts)
        WalException failure = Interrupts.asideDuring(checkpoints::sync);
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Copies the WAL to {@code target} while it keeps taking appends ({@link Backup}): every entry appended before
     * this call is made durable first and is in the copy.
     */
    public BackupResult backup(Path target) {
        Objects.requireNonNull(target, "target must not be null");
        ensureOpen();
        // the backup starts with a sync of every key
        diskGate.admitSync();
        return Backup.take(target, context, checkpoints, keys, guards);
    }

    /** The journal's counters since the WAL was opened, and what opening replayed. */
    public JournalStats journalStats() {
        return new JournalStats(journal != null, events.journalCommits.sum(), events.journalEntries.sum(),
                events.journalBytes.sum(), events.checkpoints.sum(), replayed.records(), replayed.bytes(),
                Duration.ofNanos(replayed.nanos()));
    }

    public WalStats stats() {
        Keys.Totals totals = keys.totals();
        return new WalStats(totals.keys(), totals.segments(), totals.bytes(), context.openFiles().count(),
                totals.appends(), totals.appendedBytes(), events.durableAppends.sum(), events.durableAppendedBytes.sum(),
                events.reads.sum(), events.syncs.sum(), events.compactions.sum(), events.segmentsDeleted.sum(),
                events.bytesTruncatedAtRecovery.sum(), events.corruptionsDetected.sum(), events.writeFailures.sum());
    }

    public Optional<KeyInfo> keyInfo(String key) {
        KeyNames.utf8(key);
        KeyLog log = keys.byName(key);
        return log == null || !log.hasEntries() ? Optional.empty() : Optional.of(log.info());
    }

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

    public Optional<CompactionResult> lastCompaction() {
        return Optional.ofNullable(events.lastCompaction.get());
    }

    public FsyncLatency fsyncLatency(Duration window) {
        return events.fsyncLatency(window);
    }

    public DiskState diskState() {
        ensureOpen();
        return diskGate.state();
    }

    public Optional<WalIOException> lastWriteFailure() {
        return Optional.ofNullable(events.lastWriteFailure.get());
    }

    public Runnable addListener(WalListener listener) {
        return events.add(Objects.requireNonNull(listener, "listener must not be null"));
    }

    public Runnable addCompactionGuard(CompactionGuard guard) {
        guards.add(Objects.requireNonNull(guard, "guard must not be null"));
        return () -> guards.remove(guard);
    }

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

    public void close() {
        if (markClosed()) {
            WalException failure = closeFiles();
            directory.release(false);
            if (failure != null) {
                throw failure;
            }
        }
    }

    public void shutdown() {
        if (!markClosed()) {
            throw closedException();
        }
        closeFiles();
        Storage storage = context.storage();
        try {
            for (Path file : directory.ownFiles()) {
                storage.delete(file);
            }
        } catch (IOException e) {
            directory.release(false);
            throw new WalIOException("Could not delete the files of " + directory.path(), e);
        }
        directory.release(true);
        try {
            storage.delete(directory.path());
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
        }
        signals.close();
        cursors.close();
        return true;
    }

    private WalException closeFiles() {
        return Interrupts.asideDuring(checkpoints::close);
    }
}
