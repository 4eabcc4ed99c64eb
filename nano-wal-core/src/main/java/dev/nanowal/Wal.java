package dev.nanowal;

import dev.nanowal.internal.engine.ReadOnlyEngine;
import dev.nanowal.internal.engine.WalBackend;
import dev.nanowal.internal.engine.WalEngine;
import dev.nanowal.internal.format.Limits;
import dev.nanowal.internal.io.Storage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * second open, from this or another process, fails with {@link WalLockedException}; any number of read-only views
 * ({@link #openReadOnly}) may read it meanwhile.
 *
 * <p>Names: the seed's (the Rust crate nano-wal's) method names are kept, and where they cross ours one rule
 * holds: a method returns contents alone ({@code byte[]}) when the name is the seed's ({@link #readEntryAt},
 * {@link #enumerateRecords}), and whole {@link WalRecord}s (reference, header, content) when it is ours
 * ({@link #readRecordAt}, {@link #enumerateEntries}, {@link #enumerateEntriesAfter}).
 *
 * <p>Errors are unchecked {@link WalException}s; bad arguments are {@link IllegalArgumentException} or
 * {@link NullPointerException} with a message naming the problem.
 *
 * <p>This class is the facade: every call goes to the engine ({@code dev.nanowal.internal.engine}), which is
 * not part of the API.
 */
public final class Wal implements AutoCloseable {

    /** The largest header, in bytes. */
    public static final int MAX_HEADER_SIZE = Limits.MAX_HEADER_SIZE;
    /** The longest key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = Limits.MAX_KEY_BYTES;
    /** The largest content, in bytes (a Java array's limit, less a record's header). */
    public static final int MAX_CONTENT_SIZE = Limits.MAX_CONTENT_SIZE;

    private final WalBackend engine;

    private Wal(WalBackend engine) {
        this.engine = engine;
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
        return new Wal(WalEngine.open(directory, options, storage));
    }

    /**
     * A read-only view of the WAL in {@code directory}, which another process (or this one) may have open for
     * writing. It takes no lock and never writes: no recovery, no journal replay, no file created. Reads,
     * enumeration, {@link #keyInfo}, {@link #keyInfos}, {@link #stats} and {@link #enumerateKeys} look at the files
     * as they are at the call: they see what the writer handed to the operating system (entries written to their
     * segment, and durable entries committed to the commit journal), not what waits in its write buffers. A key's
     * newest segment may be growing: whatever follows its last valid record (a record being written, zeros,
     * preallocated space) is the end for now, never reported as corruption. A segment the writer compacted
     * disappears: a reference into it raises {@link WalEntryNotFoundException}, an enumeration skips it. Every
     * write ({@code appendEntry}, {@code logEntry}, {@code appendEntryIf}, {@code appendBatch}, {@code compact},
     * {@code sync}, {@code shutdown}, {@code addCompactionGuard}, {@code cursorRetentionGuard}, a cursor's
     * {@code commit}) throws {@link WalReadOnlyException}. {@link #tail} and {@link #watchAppends} follow the writer
     * by watching the directory's files. {@link #cursors} lists the cursors the writer committed, from their files,
     * and {@link #cursor} reads one: its position is the one its file holds at each call, and it polls.
     * {@link #close()} releases the view and leaves the files alone. What a view promises is in
     * docs/guarantees.md, "Read-only views".
     *
     * @throws WalException when {@code directory} does not exist or is not a directory, or is a backup that did not
     *     finish (it holds {@code nanowal.backup-incomplete}), which {@link #open} refuses too
     */
    public static Wal openReadOnly(Path directory) {
        return new Wal(ReadOnlyEngine.open(directory, new Storage()));
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
        return engine.append(key, header, content, durable);
    }

    /**
     * Appends an entry to {@code key} only if the key's newest entry is still {@code expectedLast}: optimistic
     * concurrency for a writer that read the key and decided from what it read. Decided under the key's lock,
     * so of many threads appending with the same {@code expectedLast} exactly one succeeds. Durable when asked
     * exactly as {@link #appendEntry}. A key whose entries all expired and were compacted holds no entry.
     *
     * @param expectedLast the newest entry the caller saw ({@link #lastEntry}, or the reference an append
     *     returned); null to append only if the key holds no entry
     * @return where the entry is
     * @throws WalConflictException when the key's newest entry is another one (nothing is written);
     *     {@link WalConflictException#actualLast()} says which
     * @throws IllegalArgumentException when {@code expectedLast} is an entry of another key
     * @throws WalLimitExceededException when the header or content is too large (nothing is written)
     * @throws WalIOException when the disk refused the write
     * @throws WalClosedException when the WAL is closed
     */
    public EntryRef appendEntryIf(String key, EntryRef expectedLast, byte[] header, byte[] content, boolean durable) {
        return engine.appendIf(key, expectedLast, header, content, durable);
    }

    /** The newest entry of {@code key}, empty when it holds none. */
    public Optional<EntryRef> lastEntry(String key) {
        return engine.lastEntry(key);
    }

    /**
     * Follows {@code key}: a tailer whose {@link WalTailer#poll} returns the key's entries after {@code after},
     * in order, and then waits for new ones. See {@link WalTailer} for what wakes it and what it does when
     * compaction deletes entries it has not read.
     *
     * @param after the entry to start after; null to start at the oldest entry held
     * @throws IllegalArgumentException when {@code after} is an entry of another key
     * @throws WalEntryNotFoundException when {@code after} is not an entry of the key (nor of a compacted segment)
     * @throws WalClosedException when the WAL is closed
     */
    public WalTailer tail(String key, EntryRef after) {
        return engine.tail(key, after);
    }

    /**
     * A watch that wakes a waiting thread when any key grows, keys without entries before included: for a consumer of
     * many keys, which would otherwise look at every key on a timer (see {@link WalAppendWatch}). Appends pay for
     * watches only while one is open. On a read-only view it is woken by changes of the directory's files, as
     * {@link #tail} is. Close it when done.
     *
     * @throws WalClosedException when the WAL is closed
     */
    public WalAppendWatch watchAppends() {
        return engine.watchAppends();
    }

    /**
     * The durable cursor {@code name} on {@code key}: a committed position kept in the WAL directory across
     * restarts (see {@link WalCursor}). The same instance for the same name and key. On a read-only view, the writer's
     * cursor as its file holds it at each call: {@link WalCursor#position()} and {@link WalCursor#poll} work,
     * {@link WalCursor#commit} throws {@link WalReadOnlyException}.
     *
     * @param name 1 to 64 letters, digits, '.', '_' or '-'
     * @throws IllegalArgumentException when the name breaks these rules (the message names the limit)
     * @throws WalCorruptionException when the cursor's file is damaged (delete it to start the cursor again)
     * @throws WalClosedException when the WAL is closed
     */
    public WalCursor cursor(String name, String key) {
        return engine.cursor(name, key);
    }

    /**
     * Every cursor (committed ones from earlier runs included), sorted by name then key. On a read-only view, the
     * cursors whose files the directory holds (the ones the writer committed), {@code skipped} counting the view's
     * own polls.
     */
    public List<CursorInfo> cursors() {
        return engine.cursors();
    }

    /**
     * A guard that makes retention wait for cursors: it keeps every segment of a key that a cursor on that key
     * has not committed past (a cursor that never committed keeps all of them). Not registered by default;
     * {@code wal.addCompactionGuard(wal.cursorRetentionGuard())} registers it. Disk use then grows while a cursor
     * is stuck.
     */
    public CompactionGuard cursorRetentionGuard() {
        return engine.cursorRetentionGuard();
    }

    /** Appends a durable entry: {@code appendEntry(key, header, content, true)}. */
    public EntryRef logEntry(String key, byte[] header, byte[] content) {
        return appendEntry(key, header, content, true);
    }

    /**
     * Appends many entries, in list order per key, with one commit of the journal for the whole batch when
     * {@code durable} (a key's unsynced bytes too large for one journal record, and every key without the journal:
     * at most one fsync per touched segment file). Every entry is checked before any is written, so a bad one
     * refuses the whole batch. The batch is not atomic across a crash or an I/O error: a prefix of each key's
     * entries may have been written.
     *
     * @return the references, in the order of {@code entries}
     */
    public List<EntryRef> appendBatch(List<WalEntry> entries, boolean durable) {
        return engine.appendBatch(entries, durable);
    }

    /**
     * Appends a batch only if each of its keys' newest entry is still the one expected: optimistic concurrency over
     * several keys at once (move money between two accounts only if neither changed since it was read). Decided with
     * the locks of all the batch's keys held, taken in one fixed order, so of many threads racing with the same
     * expectations exactly one succeeds, and batches over overlapping keys never deadlock. All or nothing: when one
     * key is not where expected, nothing of the batch is written. Otherwise as {@link #appendBatch}: in list order
     * per key, at most one fsync per touched segment file when {@code durable}, and an I/O error may leave a prefix
     * of each key's entries.
     *
     * @param expectedLast for every key of the batch, and no other, its newest entry as the caller saw it
     *     ({@link #lastEntry}); a null value to append only if the key holds no entry
     * @return the references, in the order of {@code entries}
     * @throws WalConflictException naming the first key (in the order of the batch) whose newest entry is another
     *     one (nothing is written); {@link WalConflictException#actualLast()} says which
     * @throws IllegalArgumentException when {@code expectedLast} misses a key of the batch, names a key the batch does
     *     not write, or holds an entry of another key
     */
    public List<EntryRef> appendBatchIf(Map<String, EntryRef> expectedLast, List<WalEntry> entries, boolean durable) {
        return engine.appendBatchIf(expectedLast, entries, durable);
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
        return engine.read(ref);
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
        return engine.appendedAt(ref);
    }

    /** The contents of {@code key}'s entries, in append order. Close the stream (or read it to the end). */
    public Stream<byte[]> enumerateRecords(String key) {
        return engine.contents(key);
    }

    /**
     * {@code key}'s entries in append order, read lazily in constant memory. The stream sees the entries
     * appended before it was made; close it (try-with-resources) or read it to the end to release its file.
     */
    public Stream<WalRecord> enumerateEntries(String key) {
        return engine.records(key);
    }

    /**
     * Like {@link #enumerateEntries(String)}, but damaged bytes are skipped instead of failing the stream with a
     * {@link WalCorruptionException}: after a frame that fails its checks, reading goes on at the next valid
     * frame of the segment (frames delimit themselves: a magic, lengths and a CRC32C that binds each one to its
     * key, segment and offset, see FORMAT.md). For salvaging what a damaged key still holds; {@link #damage()}
     * lists the damage opening found.
     */
    public Stream<WalRecord> enumerateIntactEntries(String key) {
        return engine.intactRecords(key);
    }

    /**
     * The damage opening found and isolated, one entry per damaged file; empty when every file is intact. Opening
     * never fails because of damage inside one key: a damaged segment is kept as it is and its key continues in a
     * new segment, so the rest of the WAL stays available (see {@link WalDamage}, docs/guarantees.md). A read-only
     * view runs no recovery and lists none: damage it meets fails the read that meets it.
     */
    public List<WalDamage> damage() {
        return engine.damage();
    }

    /**
     * The entries of {@code checkpoint}'s key appended after it, in order: resume from a saved position. When
     * the checkpoint's segment was compacted, every entry still held is after it.
     *
     * @throws WalEntryNotFoundException when the key is unknown or the checkpoint is not one of its entries
     */
    public Stream<WalRecord> enumerateEntriesAfter(EntryRef checkpoint) {
        return engine.recordsAfter(checkpoint);
    }

    /** Every key that has entries, in sorted order. */
    public Set<String> enumerateKeys() {
        return engine.keys();
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
        return engine.compact();
    }

    /**
     * Makes every append made so far durable: fsyncs each key's segment that has unsynced entries, up to
     * {@link WalOptions#syncThreads()} at once, then the directory once if new segments need it.
     *
     * @throws WalIOException the first failure met, after every other key was tried; at once, without trying,
     *     while the disk is {@link DiskState#FAILING} and a probe finds it still failing
     */
    public void sync() {
        engine.sync();
    }

    /**
     * Writes a consistent copy of the WAL to {@code target} while it stays open and keeps taking appends from other
     * threads. Every entry appended before this call (durable or buffered) is made durable first and is in the
     * copy; entries appended meanwhile may be, each key's as a prefix of its entries. Sealed segments are
     * hard-linked when {@code target} is on the same file system (a link outlives the original's deletion by
     * compaction), copied otherwise; active segments are copied up to their fsynced length. The copy needs no
     * commit journal, is fsynced (files and directory) before this returns, and opens with {@link #open(Path)}.
     * Compaction running meanwhile keeps the segments being copied until the copy is done.
     *
     * <p>Until it completes, {@code target} holds a marker file ({@code nanowal.backup-incomplete}): a backup cut
     * short by a failure, a crash or a power loss does not open as a WAL, and the CLI's {@code verify} says it is
     * incomplete. Delete such a directory and back up again.
     *
     * @param target a directory that does not exist or is empty, outside the WAL's directory
     * @return what was copied
     * @throws WalException when {@code target} exists and is not an empty directory, or is inside the WAL's
     * @throws WalIOException when a write, link or fsync failed (the target is then incomplete)
     * @throws WalClosedException when the WAL is closed
     */
    public BackupResult backup(Path target) {
        return engine.backup(target);
    }

    /** Sizes and counters, for metrics and health. */
    public WalStats stats() {
        return engine.stats();
    }

    /** The commit journal's counters since the WAL was opened, and what opening replayed (see {@link WalOptions#journal()}). */
    public JournalStats journalStats() {
        return engine.journalStats();
    }

    /** What the WAL holds for {@code key}, empty when it has no entries. */
    public Optional<KeyInfo> keyInfo(String key) {
        return engine.keyInfo(key);
    }

    /** What the WAL holds for every key that has entries, sorted by key. */
    public List<KeyInfo> keyInfos() {
        return engine.keyInfos();
    }

    /** The result of the last {@link #compact()} since the WAL was opened. */
    public Optional<CompactionResult> lastCompaction() {
        return engine.lastCompaction();
    }

    /**
     * How long the fsyncs that durable appends waited for took within the last {@code window}, by the WAL's clock:
     * segment fsyncs and journal commits, of the last {@value FsyncLatency#KEPT}. Works after close too.
     *
     * @throws IllegalArgumentException when the window is negative
     */
    public FsyncLatency fsyncLatency(Duration window) {
        return engine.fsyncLatency(window);
    }

    /**
     * What the WAL knows of its disk (see {@link DiskState}): {@link DiskState#WRITABLE}, or full or failing, in
     * which states appends are refused at once and reads, enumeration and compaction keep working. When the disk
     * is not writable this probes it first (cheaply, and one probe at a time), so a poll notices when it recovered.
     *
     * @throws WalClosedException when the WAL is closed
     */
    public DiskState diskState() {
        return engine.diskState();
    }

    /** The failure of the most recent write, while no write has succeeded since. */
    public Optional<WalIOException> lastWriteFailure() {
        return engine.lastWriteFailure();
    }

    /**
     * Registers a listener for fsyncs, recoveries, corruption, write failures and compactions.
     *
     * @return an action that removes it again
     */
    public Runnable addListener(WalListener listener) {
        return engine.addListener(listener);
    }

    /**
     * Registers a guard that compaction asks before deleting an expired segment (for example a relay that
     * has not forwarded its entries yet).
     *
     * @return an action that removes it again
     */
    public Runnable addCompactionGuard(CompactionGuard guard) {
        return engine.addCompactionGuard(guard);
    }

    /** The WAL's directory, absolute. */
    public Path directory() {
        return engine.directory();
    }

    public WalOptions options() {
        return engine.options();
    }

    public boolean isOpen() {
        return engine.isOpen();
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
        engine.close();
    }

    /**
     * The seed's destructive shutdown: closes the WAL, then deletes every file it created (segments, their
     * leftovers, its meta and lock files) and the directory if that leaves it empty. Files it did not create
     * are left alone.
     */
    public void shutdown() {
        engine.shutdown();
    }

    @Override
    public String toString() {
        return "Wal[" + engine.directory() + (engine.isOpen() ? "" : ", closed") + "]";
    }
}
