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
import dev.nanowal.WalCursor;
import dev.nanowal.WalDamage;
import dev.nanowal.WalEntry;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalListener;
import dev.nanowal.WalOptions;
import dev.nanowal.WalRecord;
import dev.nanowal.WalStats;
import dev.nanowal.WalTailer;
import dev.nanowal.internal.format.KeyNames;
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
 * then each call goes down to {@link Appends} (every write), to the key's {@link KeyLog} (reads, retention), to
 * {@link Checkpoints} (a sync
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
    private final Appends appends;
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
        this.appends = new Appends(options, events, keys, signals, diskGate, journal, () -> closed,
                this::closedException);
        AppendPath.prepare();
    }

    /** Locks {@code directory} (creating it if needed) and recovers it ({@link WalOpening}); see {@code Wal.open}. */
    public static WalEngine open(Path directory, WalOptions options, Storage storage) {
        return WalOpening.open(directory, options, storage);
    }

    public EntryRef append(String key, byte[] header, byte[] content, boolean durable) {
        return appends.append(key, header, content, durable);
    }

    public EntryRef appendIf(String key, EntryRef expectedLast, byte[] header, byte[] content, boolean durable) {
        return appends.appendIf(key, expectedLast, header, content, durable);
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
        return appends.appendBatch(entries, durable);
    }

    public List<EntryRef> appendBatchIf(Map<String, EntryRef> expectedLast, List<WalEntry> entries, boolean durable) {
        return appends.appendBatchIf(expectedLast, entries, durable);
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
