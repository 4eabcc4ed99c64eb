package dev.nanowal.internal.engine;

import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.format.SegmentScan;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.io.SegmentBytes;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import dev.nanowal.WalEntry;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One segment file: its creation, appends through a write buffer, group-committed fsyncs, seal on rotation,
 * the pinned file and read snapshots that readers ({@link RecordReader}, {@link EntryIterator}) check records
 * through, and its place in the open-file cap ({@link OpenFiles}, which sees it only as an
 * {@link OpenFiles.OpenFile}).
 *
 * <p>Positions: {@code durable <= flushed <= end}. Bytes below {@code flushed} are in the file, below
 * {@code durable} also on stable storage; {@code end} includes the write buffer. The buffer and the writes to the
 * file are the {@link SegmentWriter}'s: the segment decides what is appended and publishes it, the writer encodes
 * and writes. {@link #lock} is the owning key's lock, shared by all its segments: appends and rotation hold it
 * throughout, so an append takes one lock, and it guards the buffer and the file handle against the syncing
 * thread, readers and the eviction of idle files. The fsyncs are {@link SegmentFsync}'s: {@link #durability}
 * elects the one thread that fsyncs while the others wait; nobody may wait for it while holding {@link #lock}, which
 * its leader needs. What the commit journal was handed of the segment, and which of its files hold records of it,
 * is kept apart ({@link SegmentJournalState}).
 */
final class Segment implements OpenFiles.OpenFile {

    private static final VarHandle END_POSITION = LongFields.handle(MethodHandles.lookup(), "endPosition");
    private static final VarHandle ENTRIES = LongFields.handle(MethodHandles.lookup(), "entries");

    private final SegmentHeader header;
    private final Path path;
    private final WalEvents events;
    private final long createdAt;
    private final SegmentFile file;
    private final ReentrantLock lock;
    private final Durability durability;
    private final SegmentJournalState journalState;
    private final SegmentWriter writer;
    private final SegmentFsync fsync;

    private final SegmentDamage damage;
    // Volatile so that takesAppends(), on every append, reads them without the lock. Both only ever go from
    // false to true, and are still written under the lock.
    private volatile boolean sealed;
    private volatile boolean failed;
    private volatile boolean deleted;

    /** The sequence of the key's segment before this one, or -1 when unknown (set by the key's {@link KeyLog}). */
    private volatile long previousSequence = -1;
    private volatile long endPosition;
    private volatile long entries;
    private volatile long oldest;
    private volatile long newest;

    private Segment(SegmentHeader header, Path path, WalContext context, ReentrantLock keyLock, long end, long entries,
            long oldest, long newest, boolean sealed, long durableEnd) {
        this.header = header;
        this.lock = keyLock;
        this.path = path;
        this.events = context.events();
        this.damage = new SegmentDamage(path, header, context.quarantine());
        this.createdAt = header.createdAt();
        this.endPosition = end;
        this.file = new SegmentFile(path, context, this, header.dataStart(), end);
        this.writer = new SegmentWriter(this, header, file, context, end, entries);
        this.entries = entries;
        this.oldest = oldest;
        this.newest = newest;
        this.sealed = sealed;
        this.durability = new Durability(path, context.directory(), events, durableEnd, entries,
                end > header.dataStart());
        this.journalState = new SegmentJournalState(this, durability, durableEnd, entries);
        this.fsync = new SegmentFsync(this, file, writer, durability, keyLock, events);
    }

    /**
     * Creates a segment file: its header goes to a temporary file that is renamed into place, so the name
     * never shows a partial header to a later open after a process crash. Neither is fsynced here: with the
     * journal, the first durable append carries the header (a range from offset 0) and replay recreates a file
     * a power loss dropped; without it, the segment's first sync fsyncs the file and the directory entry. The segment keeps
     * the channel that wrote the header (a renamed file keeps its open descriptors), instead of opening the
     * file again for its first append.
     */
    static Segment create(String key, byte[] keyBytes, long keyHash, long now, WalContext context,
            ReentrantLock keyLock) {
        long sequence = context.directory().allocateSequence();
        SegmentHeader header = new SegmentHeader(key, keyBytes, keyHash, sequence, now);
        Path file = context.directory().path().resolve(SegmentNames.fileName(key, keyHash, sequence));
        Storage storage = context.storage();
        Path temp = file.resolveSibling(file.getFileName() + SegmentNames.TEMP_SUFFIX);
        FileChannel channel = null;
        boolean interrupted = Interrupts.setAside();
        try {
            channel = storage.createNew(temp);
            ByteBuffer bytes = header.encode();
            while (bytes.hasRemaining()) {
                channel.write(bytes, bytes.position());
            }
            storage.moveAtomically(temp, file);
        } catch (IOException e) {
            try {
                if (channel != null) {
                    channel.close();
                }
                storage.delete(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw context.events().writeFailed(new WalIOException("Could not create segment " + file, e));
        } finally {
            Interrupts.restore(interrupted);
        }
        return created(header, file, context, keyLock, channel);
    }

    /** A segment just created (header written; its first sync makes it and its name durable), taking appends. */
    private static Segment created(SegmentHeader header, Path path, WalContext context, ReentrantLock keyLock,
            FileChannel channel) {
        // nothing of it is durable yet, not even its header: the journal carries it from offset 0
        Segment segment = new Segment(header, path, context, keyLock, header.dataStart(), 0, header.createdAt(),
                header.createdAt(), false, 0);
        segment.adopt(channel);
        return segment;
    }

    /** Takes the channel that created the file as this segment's open file. */
    private void adopt(FileChannel channel) {
        lock.lock();
        try {
            file.adopt(channel);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A segment found on disk when opening, as recovery or its seal described it.
     *
     * @param durableEnd where the bytes known on stable storage end: below {@code end} when a tail that survived a
     *     process crash in the page cache was never made durable, which the key's next durable append then covers
     */
    static Segment existing(SegmentHeader header, Path path, WalContext context, ReentrantLock keyLock, long end,
            long entries, long oldest, long newest, boolean sealed, long durableEnd) {
        return new Segment(header, path, context, keyLock, end, entries, oldest, newest, sealed, durableEnd);
    }

    /**
     * A segment kept despite damage inside it (see {@link Quarantine}): never appended to, sealed or rewritten (it
     * counts as sealed, so its key's next append starts a new segment); its intact records read as usual, a read
     * inside {@code survey.damaged()} fails as corrupt. Its end includes damage after the last valid frame, so that
     * an enumeration meets that damage too instead of ending quietly before it.
     */
    static Segment quarantined(SegmentHeader header, Path path, WalContext context, ReentrantLock keyLock,
            SegmentScan.Survey survey) {
        List<SegmentScan.Damage> damaged = survey.damaged();
        long end = damaged.isEmpty() ? survey.end() : Math.max(survey.end(), damaged.get(damaged.size() - 1).to());
        Segment segment = new Segment(header, path, context, keyLock, end, survey.records(), survey.oldest(),
                survey.newest(), true, end);
        segment.damage.recovered(damaged);
        return segment;
    }

    /** The damaged byte range that holds {@code offset}, or null (null unless quarantined, or surveyed by a read). */
    SegmentScan.Damage damageAt(long offset) {
        return damage.at(offset);
    }

    /**
     * For a read that met bytes which are not a valid frame in a segment that takes no appends (a sealed segment
     * opening trusted without scanning it): scans the segment once through {@code channel}, and when that finds
     * damage, lists it (see {@link Quarantine}) and keeps the damaged ranges. Returns the damaged range that holds
     * {@code offset}, or null: then the reference simply pointed at no entry.
     */
    SegmentScan.Damage surveyedDamageAt(long offset, FileChannel channel) throws IOException {
        if (takesAppends()) {
            return null;
        }
        lock.lock();
        try {
            damage.surveyLocked(channel, endPosition);
        } finally {
            lock.unlock();
        }
        return damage.at(offset);
    }

    /** The owning key's lock, which this segment shares. */
    ReentrantLock keyLock() {
        return lock;
    }

    SegmentHeader header() {
        return header;
    }

    Path path() {
        return path;
    }

    /** When the segment was created: its time slice starts here. */
    long createdAt() {
        return createdAt;
    }

    long sequence() {
        return header.sequence();
    }

    long end() {
        return endPosition;
    }

    long entries() {
        return entries;
    }

    /** Where the records end: {@link #end()}, less the seal of a sealed segment. */
    long recordsEnd() {
        long end = endPosition;
        return sealed ? end - Frames.SEAL_SIZE : end;
    }

    /** The sequence of the key's segment before this one, or -1 when unknown: a tailer's proof it missed none. */
    long previousSequence() {
        return previousSequence;
    }

    void follows(long sequence) {
        previousSequence = sequence;
    }

    /** The timestamp of the oldest entry, or the creation time when empty. */
    long oldest() {
        return oldest;
    }

    /** The timestamp of the newest entry, or the creation time when empty. */
    long newest() {
        return newest;
    }

    @Override
    public long lastUsed() {
        return file.lastUsed();
    }

    boolean isDeleted() {
        return deleted;
    }

    /** Whether a write or fsync failed here; the failure was reported to the call that met it. */
    boolean isFailed() {
        lock.lock();
        try {
            return failed;
        } finally {
            lock.unlock();
        }
    }

    /** Like {@link #isFailed()}, without the lock: a hint for the disk gate, which the flag only ever turns true. */
    boolean hasFailed() {
        return failed;
    }

    /** Whether the seal was written (not necessarily fsynced yet). */
    boolean isSealed() {
        return sealed;
    }

    /** Whether appends may go here: not sealed, and no write left its tail in doubt. */
    boolean takesAppends() {
        // No lock: the flags are volatile and one-way. Taking the lock would not close a race either (it was
        // released again before the append): `sealed` and `deleted` change only under the key's lock, which
        // the caller holds, and a failing fsync may set `failed` just after this check either way.
        return !sealed && !failed && !deleted;
    }

    /**
     * Appends one record and returns its offset. The caller holds the key's lock ({@link #lock}) and has checked
     * that the segment takes appends. On failure nothing of this record is written or buffered.
     *
     * @param handOver whether the record must reach the file before this returns: for a durable append, so
     *     that a write error fails this call (and the record is taken back) instead of surfacing in the fsync
     *     after the key's lock is released, when the record could no longer be withdrawn
     */
    long append(long timestamp, byte[] recordHeader, byte[] content, boolean handOver) {
        long offset = endPosition;
        int size = Frames.recordSize(recordHeader.length, content.length);
        writer.appendLocked(offset, timestamp, recordHeader, content, size, handOver);
        publish(offset + size, 1, timestamp);
        return offset;
    }

    /**
     * Appends entries {@code from, from + 1, ...} of a batch, with one timestamp, for as long as each leaves room
     * for the seal below {@code maxSize} (the first always goes: the caller chose this segment for it), and puts
     * their references into {@code refs}; returns the index after the last one appended. The caller holds the
     * key's lock and has checked that the segment takes appends. The end, the entry count and the timestamps are
     * published once for the run, and rotation is checked with a sum, not per record against the segment's
     * volatile state. On failure the entries before the failing one stay appended and published, as single
     * appends would leave them.
     */
    int appendRun(long timestamp, List<WalEntry> entries, int from, long maxSize, BatchRefs refs) {
        long offset = endPosition;
        long appended = 0;
        int next = from;
        try {
            for (int count = entries.size(); next < count; next++) {
                WalEntry entry = entries.get(next);
                byte[] recordHeader = Frames.headerOrNone(entry.header());
                byte[] content = entry.content();
                int size = Frames.recordSize(recordHeader.length, content.length);
                if (next > from && offset + size + Frames.SEAL_SIZE > maxSize) {
                    break;
                }
                if (!writer.fitsRunLocked(size)) {
                    publishRun(offset, appended, timestamp);
                    appended = 0;
                    offset = append(timestamp, recordHeader, content, false);
                    refs.put(next, header.keyHash(), header.sequence(), offset);
                    offset = endPosition;
                    continue;
                }
                writer.bufferRunRecordLocked(offset, timestamp, recordHeader, content, size);
                refs.put(next, header.keyHash(), header.sequence(), offset);
                offset += size;
                appended++;
            }
        } finally {
            publishRun(offset, appended, timestamp);
        }
        return next;
    }

    private void publishRun(long end, long appended, long timestamp) {
        if (appended > 0) {
            writer.countRunLocked(appended);
            publish(end, appended, timestamp);
        }
    }

    /** Makes {@code appended} more records, ending at {@code end}, visible to readers; under the key's lock. */
    private void publish(long end, long appended, long timestamp) {
        // Release stores publish the records to readers of the end, as a volatile store would, but without its
        // fence: a fence waits for the records' stores to reach the cache, which with many keys means memory.
        END_POSITION.setRelease(this, end);
        if (entries == 0) {
            oldest = timestamp;
        }
        if (timestamp > newest) {
            newest = timestamp; // a volatile write once per millisecond, not once per append
        }
        ENTRIES.setRelease(this, entries + appended);
    }

    /**
     * For a durable append: returns once every byte below {@code position} is on stable storage, the segment's
     * directory entry included; concurrent callers share fsyncs ({@link GroupCommit}). Keeps zeros preallocated
     * ahead of the data ({@link Preallocation}).
     */
    void syncTo(long position) {
        fsync.syncTo(position);
    }

    /**
     * Like {@link #syncTo(long)}, without preallocating (a sync of every key must not grow every file); with
     * {@code withName} false the directory entry of a new segment is left to the caller, which fsyncs the
     * directory once for many segments (see {@link #isNameDurable()}).
     */
    void syncTo(long position, boolean withName) {
        fsync.syncTo(position, withName);
    }

    /** For {@link BackgroundSyncs}: fsyncs the bytes already in the file, without flushing the write buffer. */
    void fsyncWritten() {
        fsync.fsyncWritten();
    }

    /** Whether the segment's directory entry is known durable (false for a new segment until a sync). */
    boolean isNameDurable() {
        return durability.isNameDurable();
    }

    /** Records that the directory was fsynced after this segment's file was. */
    void nameMadeDurable() {
        durability.nameMadeDurable();
    }

    /** Marks a write or fsync failed: the segment takes no more appends. */
    void markFailed() {
        lock.lock();
        try {
            failed = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes the seal; after this the segment takes no appends. No fsync: a rotating append must not wait for one.
     * The seal becomes durable with the segment's next fsync (a checkpoint, {@code sync()}, {@code close()}) or
     * with the key's next durable append, which covers the segment's rest and its seal too. On failure the seal
     * is not left behind, so the rotation can be tried again.
     */
    void seal() {
        lock.lock();
        try {
            if (sealed || failed) {
                return;
            }
            long offset = endPosition;
            writer.sealLocked(offset, entries, oldest, newest);
            endPosition = offset + Frames.SEAL_SIZE;
            file.trim(writer.flushed());
            sealed = true;
            writer.releaseBufferLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes everything appended so far durable by an fsync of this segment alone, with the key's lock held (so no
     * later range of it can reach the journal first): for a durable append too large for the journal.
     */
    void forceLocked() {
        fsync.forceAppended();
        journalState.fsyncedLocked();
    }

    /**
     * The bytes {@code [from, to)}, for a range handed to the journal: the file's part read back, the write buffer's
     * copied. The caller holds the key's lock.
     */
    byte[] copyLocked(long from, long to) {
        return writer.copyLocked(from, to);
    }

    /** How the commit journal sees this segment: what was handed to it, and which of its files hold records. */
    SegmentJournalState journalState() {
        return journalState;
    }

    /** Where the bytes known durable end, by fsync or the journal. */
    long durablePosition() {
        return durability.position();
    }

    /**
     * For a checkpoint: returns once an fsync of the file itself covered everything appended so far (and the
     * directory entry when {@code withName}), whatever the journal holds.
     */
    void fsyncAll(boolean withName) {
        fsync.fsyncAll(flush(), withName);
    }

    /** Whether everything appended so far was covered by an fsync of the file itself. */
    boolean isFsynced() {
        return durability.fsynced() >= endPosition;
    }

    long fsyncedPosition() {
        return durability.fsynced();
    }

    /** Flushes the write buffer, so that the file holds everything appended so far; returns the end. */
    long flush() {
        if (writer.flushed() < endPosition) {
            lock.lock();
            try {
                writer.flushLocked();
            } finally {
                lock.unlock();
            }
        }
        return endPosition;
    }

    /** What a reader sees: the segment's end, and the buffered bytes the file lacks when they cannot be flushed. */
    record ReadSnapshot(long end, long tailStart, ByteBuffer tail) {

        SegmentBytes over(FileChannel file) {
            return SegmentBytes.of(file, tailStart, tail);
        }
    }

    /**
     * Flushes the write buffer for a reader; when the disk refuses, the reader gets a copy of the buffered
     * bytes instead, so acknowledged entries stay readable while writes fail.
     */
    ReadSnapshot snapshotForReading() {
        long end = endPosition;
        if (writer.flushed() >= end) {
            return new ReadSnapshot(end, end, null);
        }
        lock.lock();
        try {
            ByteBuffer unflushed = writer.flushForReadingLocked();
            return new ReadSnapshot(endPosition, writer.flushed(), unflushed);
        } finally {
            lock.unlock();
        }
    }

    /** Where the bytes in the file end; the write buffer holds the rest up to {@link #end()}. */
    long flushed() {
        return writer.flushed();
    }

    /** The open file, kept open until {@link #unpin()}: eviction skips pinned segments. */
    FileChannel pin() {
        lock.lock();
        try {
            return file.pin();
        } finally {
            lock.unlock();
        }
    }

    void unpin() {
        lock.lock();
        try {
            file.unpin();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the file if no one uses it right now; never waits. */
    @Override
    public void closeIfIdle() {
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (!file.isIdle()) {
                return;
            }
            try {
                writer.flushLocked();
            } catch (WalException e) {
                return;
            }
            file.close();
            writer.releaseBufferLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the file whoever uses it (the WAL is closing). */
    @Override
    public void closeFile() {
        lock.lock();
        try {
            file.closeTrimmed(writer.flushed());
            writer.releaseBufferLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Closes and deletes the file; references into it then fail as not found. */
    void delete() throws IOException {
        lock.lock();
        try {
            deleted = true;
            writer.discardLocked();
            file.delete();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
