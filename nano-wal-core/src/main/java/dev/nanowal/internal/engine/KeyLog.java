package dev.nanowal.internal.engine;

import dev.nanowal.CompactionGuard;
import dev.nanowal.CompactionResult;
import dev.nanowal.EntryRef;
import dev.nanowal.KeyInfo;
import dev.nanowal.WalConflictException;
import dev.nanowal.WalEntry;
import dev.nanowal.WalIOException;
import dev.nanowal.WalRecord;
import dev.nanowal.internal.format.Frames;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * One key's segment set: the active segment and its rotation (by time slice or size), the lookup of a
 * segment by sequence number, and retention. Appends to the key are totally ordered by {@link #lock};
 * different keys never share a lock.
 */
final class KeyLog {

    private static final VarHandle APPENDS = LongFields.handle(MethodHandles.lookup(), "appends");
    private static final VarHandle APPENDED_BYTES = LongFields.handle(MethodHandles.lookup(), "appendedBytes");

    private final String key;
    private final byte[] keyBytes;
    private final long keyHash;
    private final WalContext context;
    private final long sliceMillis;
    private final ReentrantLock lock;
    private volatile List<Segment> segments;
    private final KeyPositions positions;
    /** The newest segment (the last of {@link #segments}), guarded by the lock: appends reach it in one load. */
    private Segment lastSegment;
    private final long maxSegmentSize;
    private volatile boolean retired;
    /** The disk episode ({@link WalEvents#diskEpisode()}) in which a failed segment was last replaced; -1: never. */
    private volatile long replacedFailedIn = -1;
    // Counted under the lock, so no atomic add; opaque writes let statistics read them without the lock and
    // without the fence of a volatile write on every append.
    private long appends;
    private long appendedBytes;
    /** The newest entry, under the lock; trusted while {@link #lastKnown} and its segment is held. */
    private EntryRef last;
    /** False for a log found on disk until its newest entry is looked up (appends set it too). */
    private boolean lastKnown;
    /** The sequence of the key's newest segment, this log's or a predecessor's; -1 when none or unknown. */
    private long newestSequence;

    /** @param lock the lock the segments were made with, which the key's new segments will share */
    KeyLog(String key, byte[] keyBytes, long keyHash, WalContext context, List<Segment> segments, ReentrantLock lock) {
        this(key, keyBytes, keyHash, context, segments, lock, null);
    }

    /**
     * A fresh log replacing {@code retired}, whose append counts it carries on (null when there is none).
     *
     * @param newestBefore the sequence of the key's newest segment before this log, -1 when unknown
     */
    KeyLog(String key, byte[] keyBytes, long keyHash, WalContext context, KeyLog retired, long newestBefore) {
        this(key, keyBytes, keyHash, context, List.of(), new ReentrantLock(), retired);
        this.newestSequence = retired != null ? retired.newestSequence : newestBefore;
        this.lastKnown = true;
    }

    private KeyLog(String key, byte[] keyBytes, long keyHash, WalContext context, List<Segment> segments,
            ReentrantLock lock, KeyLog countedBefore) {
        if (countedBefore != null) {
            this.appends = countedBefore.appends();
            this.appendedBytes = countedBefore.appendedBytes();
        }
        this.newestSequence = segments.isEmpty() ? -1 : segments.get(segments.size() - 1).sequence();
        for (int i = 1; i < segments.size(); i++) {
            segments.get(i).follows(segments.get(i - 1).sequence());
        }
        this.key = key;
        this.lock = lock;
        this.keyBytes = keyBytes;
        this.keyHash = keyHash;
        this.context = context;
        this.positions = new KeyPositions(key, context);
        this.sliceMillis = context.options().sliceDuration().toMillis();
        this.segments = List.copyOf(segments);
        this.lastSegment = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        this.maxSegmentSize = context.options().maxSegmentSize();
    }

    String key() {
        return key;
    }

    long keyHash() {
        return keyHash;
    }

    /** Oldest first; an immutable snapshot. */
    List<Segment> segments() {
        return segments;
    }

    /** The sequence of the key's newest segment, deleted or not; -1 when unknown. */
    long newestSequence() {
        lock.lock();
        try {
            return newestSequence;
        } finally {
            lock.unlock();
        }
    }

    /** Whether compaction removed every segment; a retired log takes no appends (a fresh one replaces it). */
    boolean isRetired() {
        return retired;
    }

    /** Takes the key's lock for appending; false when the log was retired meanwhile. */
    boolean lockForAppend() {
        lock.lock();
        if (retired) {
            lock.unlock();
            return false;
        }
        return true;
    }

    void unlock() {
        lock.unlock();
    }

    /**
     * Appends one record; the caller holds the lock from {@link #lockForAppend()}.
     *
     * @param handOver whether the record must reach the file before this returns (see {@link Segment#append})
     */
    EntryRef appendLocked(long now, byte[] header, byte[] content, boolean handOver) {
        Segment active = activeFor(now, Frames.recordSize(header.length, content.length));
        long offset = active.append(now, header, content, handOver);
        APPENDS.setOpaque(this, appends + 1);
        APPENDED_BYTES.setOpaque(this, appendedBytes + header.length + content.length);
        last = new EntryRef(keyHash, active.sequence(), offset);
        lastKnown = true;
        return last;
    }

    /**
     * Appends every entry of a batch to this key, in order, with one timestamp; the caller holds the lock from
     * {@link #lockForAppend()} and has checked the entries, which hold {@code bytes} of headers and contents. The
     * append counters and the newest entry are written once for the batch.
     */
    void appendAllLocked(long now, List<WalEntry> entries, long bytes, BatchRefs refs) {
        int count = entries.size();
        int appended = 0;
        Segment active = null;
        long entriesBefore = 0;
        try {
            while (appended < count) {
                WalEntry first = entries.get(appended);
                active = activeFor(now, Frames.recordSize(Frames.headerOrNone(first.header()).length,
                        first.content().length));
                entriesBefore = active.entries();
                appended = active.appendRun(now, entries, appended, maxSegmentSize, refs);
                active = null;
            }
        } finally {
            if (active != null) {
                // a failing write left the run's entries before it appended: they count too
                appended += (int) (active.entries() - entriesBefore);
            }
            long appendedBytes = bytes;
            if (appended < count) {
                appendedBytes = 0;
                for (WalEntry entry : entries.subList(0, appended)) {
                    appendedBytes += Frames.headerOrNone(entry.header()).length + entry.content().length;
                }
            }
            APPENDS.setOpaque(this, appends + appended);
            APPENDED_BYTES.setOpaque(this, this.appendedBytes + appendedBytes);
            if (appended > 0) {
                last = refs.get(appended - 1);
                lastKnown = true;
            }
        }
    }

    /**
     * Appends one record under the lock from {@link #lockForAppend()}, releases the lock, and for a durable
     * append then waits until the record is on stable storage (outside the lock, so that concurrent durable
     * appends share the fsync: the journal's, of any key, or without it the segment's). When
     * {@code conditional}, only if the key's newest entry is {@code expectedLast} (null: if it holds none),
     * decided under the lock; otherwise nothing is written.
     *
     * @param journal the commit journal, or null when the WAL runs without it
     * @throws WalConflictException when conditional and the newest entry is another one
     */
    EntryRef appendAndUnlock(boolean conditional, EntryRef expectedLast, long now, byte[] header,
            byte[] content, boolean durable, Journal journal) {
        EntryRef ref;
        Runnable pending = null;
        try {
            if (conditional) {
                EntryRef actual = lastLocked();
                if (!Objects.equals(actual, expectedLast)) {
                    throw new WalConflictException("Key '" + key + "' ends at " + (actual == null ? "no entry" : actual)
                            + ", not at the expected " + (expectedLast == null ? "no entry" : expectedLast)
                            + ". Nothing was written", actual);
                }
            }
            // With the journal the frame stays in the write buffer, where the journal copies it from: a write per
            // durable append to its own file would double the writes, and each growth of the file is file-system
            // metadata that the journal's fdatasync must commit too (W6: a fifth of the throughput).
            ref = appendLocked(now, header, content, durable && journal == null);
            if (durable) {
                pending = durableLocked(journal);
            }
        } finally {
            lock.unlock();
        }
        if (pending != null) {
            pending.run();
        }
        return ref;
    }

    /**
     * The key's newest entry, or null when it holds none; the caller holds the lock. A log found on disk reads
     * its newest segment once to find it; compaction of the segment holding it leaves none.
     */
    EntryRef lastLocked() {
        if (lastKnown && (last == null || isHeld(segment(last.sequenceNumber())))) {
            return last;
        }
        last = null;
        List<Segment> current = segments;
        for (int i = current.size() - 1; i >= 0 && last == null; i--) {
            if (current.get(i).entries() > 0 && isHeld(current.get(i))) {
                try (EntryIterator records = entries(current.subList(i, i + 1), 0, false)) {
                    while (records.hasNext()) {
                        last = records.next().ref();
                    }
                }
            }
        }
        lastKnown = true;
        return last;
    }

    private static boolean isHeld(Segment segment) {
        return segment != null && !segment.isDeleted();
    }

    /** The key's newest entry, or null when it holds none. */
    EntryRef last() {
        lock.lock();
        try {
            return retired ? null : lastLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Adds what makes the key's appends so far durable to a durable batch; the caller holds the lock. */
    void addDurableTo(BatchSyncs syncs, Journal journal) {
        syncs.add(durableLocked(journal));
    }

    /**
     * What makes the key's appends so far durable, taken under its lock and run after it is released: a journal
     * ticket, or without the journal the fsyncs of its unsynced segments, oldest first (a segment sealed by
     * rotation keeps its unsynced rest until a checkpoint, and a durable append makes the key's earlier entries
     * durable too). Null when it is done already: a durable append too large for the journal fsyncs its segments
     * with the lock held, so that no later range of the key reaches the journal first.
     */
    private Runnable durableLocked(Journal journal) {
        if (journal != null) {
            if (journalBacklogLocked() > journal.maxRangeBytes()) {
                List<Segment> forced = new ArrayList<>(1);
                for (Segment segment : segments) {
                    if (!segment.isFsynced()) {
                        segment.forceLocked();
                        forced.add(segment);
                    }
                }
                saveExtents(forced);
                return null;
            }
            Journal.Ticket ticket = journal.submit(journalRangesLocked());
            return () -> journal.await(ticket);
        }
        List<Segment> unsynced = new ArrayList<>(1);
        for (Segment segment : segments) {
            // a failed segment's unsynced rest cannot be made durable, as in sync(): that failure was reported to
            // the call that met it, and the key went on in a new segment
            if (!segment.isFsynced() && !segment.hasFailed()) {
                unsynced.add(segment);
            }
        }
        long[] ends = new long[unsynced.size()];
        for (int i = 0; i < ends.length; i++) {
            ends[i] = unsynced.get(i).end();
        }
        return () -> {
            for (int i = 0; i < ends.length; i++) {
                unsynced.get(i).syncTo(ends[i]);
            }
        };
    }

    /**
     * Records how far the segments were made durable outside the journal, before the append returns: an open
     * after a crash would otherwise take damage in those bytes for an unsynced tail ({@link DurableExtents}).
     */
    private void saveExtents(List<Segment> forced) {
        try {
            context.extents().saveSome(forced);
        } catch (IOException e) {
            throw context.events().writeFailed(new WalIOException("The entry reached the disk of key '" + key
                    + "', but recording how far its segments are durable failed, so it is not acknowledged", e));
        }
    }

    /** The ranges of every segment of the key with bytes neither journaled nor fsynced, oldest first. */
    private List<Journal.Range> journalRangesLocked() {
        List<Journal.Range> ranges = new ArrayList<>(1);
        for (Segment segment : segments) {
            if (!segment.isFsynced()) {
                Journal.Range range = segment.journalState().rangeLocked();
                if (range != null) {
                    ranges.add(range);
                }
            }
        }
        return ranges;
    }

    /** How many bytes {@link #journalRangesLocked()} would hand over. */
    private long journalBacklogLocked() {
        long backlog = 0;
        for (Segment segment : segments) {
            if (!segment.isFsynced()) {
                backlog += segment.journalState().backlogLocked();
            }
        }
        return backlog;
    }

    /** Entries appended to this key since the WAL was opened, a failed durable append's included. */
    long appends() {
        return (long) APPENDS.getOpaque(this);
    }

    /** Header and content bytes of those entries. */
    long appendedBytes() {
        return (long) APPENDED_BYTES.getOpaque(this);
    }

    /**
     * Whether the key's newest segment failed and replaced a failed one in the same disk episode: the next append
     * would make a second new file before the disk worked again. A hint, read without the lock.
     */
    boolean replacedFailedSegmentIn(long episode) {
        List<Segment> current = segments;
        return !current.isEmpty() && current.get(current.size() - 1).hasFailed() && replacedFailedIn == episode;
    }

    private Segment activeFor(long now, int recordSize) {
        Segment last = lastSegment;
        if (last != null && last.hasFailed()) {
            replacedFailedIn = context.events().diskEpisode();
        }
        if (last != null && last.takesAppends()) {
            boolean sliceOver = now >= last.createdAt() + sliceMillis;
            boolean full = last.entries() > 0 && last.end() + recordSize + Frames.SEAL_SIZE > maxSegmentSize;
            if (!sliceOver && !full) {
                return last;
            }
            last.seal();
        }
        Segment next = Segment.create(key, keyBytes, keyHash, now, context, lock);
        next.follows(newestSequence);
        newestSequence = next.sequence();
        List<Segment> grown = new ArrayList<>(segments);
        grown.add(next);
        segments = List.copyOf(grown);
        lastSegment = next;
        return next;
    }

    /** The whole record at {@code ref}, checked. */
    WalRecord read(EntryRef ref) {
        return RecordReader.read(segmentOf(ref), ref, context.events());
    }

    /** The append time (epoch ms) of the record at {@code ref}, once the whole record is checked. */
    long timestampAt(EntryRef ref) {
        return RecordReader.timestamp(segmentOf(ref), ref, context.events());
    }

    private Segment segmentOf(EntryRef ref) {
        return positions.segmentOf(segments, ref);
    }

    /**
     * The key's entries from the beginning, as they are now.
     *
     * @param skipDamaged whether damaged bytes are skipped instead of failing the enumeration
     */
    EntryIterator entries(boolean skipDamaged) {
        return positions.entries(segments, 0, skipDamaged);
    }

    /** See {@link KeyPositions#entriesAfter(List, EntryRef)}. */
    EntryIterator entriesAfter(EntryRef checkpoint) {
        return positions.entriesAfter(segments, checkpoint);
    }

    /** See {@link KeyPositions#positionAfter(List, EntryRef)}. */
    TailPosition positionAfter(EntryRef ref) {
        return positions.positionAfter(segments, ref);
    }

    /** See {@link KeyPositions#countAfter(List, TailPosition)}. */
    long entriesAfter(TailPosition position) {
        return positions.countAfter(segments, position);
    }

    /** See {@link KeyPositions#entriesFrom(List, TailPosition)}. */
    EntryIterator entriesFrom(TailPosition position) {
        return positions.entriesFrom(segments, position);
    }

    private EntryIterator entries(List<Segment> from, long startOffset, boolean skipDamaged) {
        return positions.entries(from, startOffset, skipDamaged);
    }

    /** The segment with this sequence number, or null. */
    private Segment segment(long sequence) {
        return KeyPositions.segment(segments, sequence);
    }

    boolean hasEntries() {
        for (Segment segment : segments) {
            if (segment.entries() > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Makes every append so far durable by fsyncs of the key's segments themselves (a checkpoint, {@code sync()},
     * {@code close()}), except the directory entries of new segments when {@code withName} is false (the caller
     * fsyncs the directory once for many keys). A segment whose fsync failed is skipped: that failure was
     * reported to the call that met it, and retrying the fsync would prove nothing (the kernel may have dropped
     * the dirty pages); a checkpoint writes what the journal holds of it again ({@link #journaledButFailed()}).
     *
     * @return the segments synced
     */
    List<Segment> sync(boolean withName) {
        List<Segment> current;
        lock.lock();
        try {
            current = segments;
            if (!current.isEmpty()) {
                // under the lock, so no append is half-way through it: on close, an append admitted before the WAL
                // was marked closed is waited for and synced, not skipped
                current.get(current.size() - 1).flush();
            }
        } finally {
            lock.unlock();
        }
        List<Segment> synced = new ArrayList<>(1);
        for (Segment segment : current) {
            if (segment.isFsynced() || segment.isDeleted() || segment.isFailed()) {
                continue;
            }
            segment.fsyncAll(withName);
            synced.add(segment);
        }
        return synced;
    }

    /** What a backup takes of the key's segments ({@link Backup#parts}), read under the key's lock. */
    List<Backup.Part> backupParts() {
        lock.lock();
        try {
            return Backup.parts(segments);
        } finally {
            lock.unlock();
        }
    }

    /** The segments whose own fsync failed after the journal made bytes of them durable that no fsync covered. */
    List<Segment> journaledButFailed() {
        List<Segment> failed = new ArrayList<>(0);
        for (Segment segment : segments) {
            if (segment.isFailed() && !segment.isDeleted() && segment.durablePosition() > segment.fsyncedPosition()) {
                failed.add(segment);
            }
        }
        return failed;
    }

    /** Whether the oldest segment's newest entry is past the retention (read without the lock: a hint). */
    boolean hasExpired(long now, long retentionMillis) {
        List<Segment> current = segments;
        return !current.isEmpty() && current.get(0).newest() + retentionMillis <= now;
    }

    /**
     * Deletes the oldest segments whose newest entry is at least {@code retentionMillis} old, the active one
     * included (a quiet key must not keep expired data forever). Stops at the first segment still in retention
     * or kept by a guard, so a key's segments stay contiguous.
     *
     * @param deletable what the engine allows on top of retention and the guards (while the disk is full, less)
     * @param beforeFirstDelete runs once before anything is deleted
     */
    List<CompactionResult.DeletedSegment> compact(long now, long retentionMillis, List<CompactionGuard> guards,
            Predicate<Segment> deletable, IoAction beforeFirstDelete) throws IOException {
        lock.lock();
        try {
            List<Segment> current = segments;
            int expired = 0;
            while (expired < current.size() && current.get(expired).newest() + retentionMillis <= now
                    && deletable.test(current.get(expired)) && allow(guards, current.get(expired))) {
                expired++;
            }
            if (expired == 0) {
                return List.of();
            }
            beforeFirstDelete.run();
            List<CompactionResult.DeletedSegment> deleted = new ArrayList<>(expired);
            for (int i = 0; i < expired; i++) {
                Segment segment = current.get(i);
                long bytes = segment.end();
                segment.delete();
                segments = List.copyOf(current.subList(i + 1, current.size()));
                deleted.add(new CompactionResult.DeletedSegment(key, segment.sequence(), bytes, segment.entries(),
                        Instant.ofEpochMilli(segment.newest())));
            }
            retired = segments.isEmpty();
            if (retired) {
                lastSegment = null;
            }
            return deleted;
        } finally {
            lock.unlock();
        }
    }

    private boolean allow(List<CompactionGuard> guards, Segment segment) {
        Instant newest = Instant.ofEpochMilli(segment.newest());
        for (CompactionGuard guard : guards) {
            if (!guard.mayDelete(key, segment.sequence(), newest)) {
                return false;
            }
        }
        return true;
    }

    KeyInfo info() {
        List<Segment> current = segments;
        long entries = 0;
        long bytes = 0;
        long oldest = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;
        for (Segment segment : current) {
            bytes += segment.end();
            if (segment.entries() > 0) {
                entries += segment.entries();
                oldest = Math.min(oldest, segment.oldest());
                newest = Math.max(newest, segment.newest());
            }
        }
        return new KeyInfo(key, keyHash, current.size(), entries, bytes,
                entries == 0 ? null : Instant.ofEpochMilli(oldest), entries == 0 ? null : Instant.ofEpochMilli(newest));
    }

    /** An I/O step that compaction runs before its first deletion. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }
}
