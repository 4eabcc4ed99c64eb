package dev.nanowal.internal.engine;

/**
 * One segment as the commit journal ({@link Journal}) sees it: where the next range handed to the journal starts
 * and how many entries lie before that, where the journal's leader has encoded ranges to, whether a failed commit
 * sends the bytes again from the durable position, and the newest journal generation holding a record of the
 * segment (compaction deletes a segment only once no live journal file holds one, or a replay would bring it back).
 * What the journal made durable goes to the segment's {@link Durability}, which the fsyncs share.
 *
 * <p>Threads: the handed-over position and entry count are read and written under the key's lock (the methods
 * named {@code ...Locked}); the encoded position belongs to the journal's leader alone; the resend flag and the
 * generation are volatile, as the leader sets them and the key's appends and compaction read them.
 */
final class SegmentJournalState {

    private final Segment segment;
    private final Durability durability;
    private long requested;
    private long requestedEntries;
    private long encodedTo;
    private volatile boolean rejournal;
    /**
     * The newest journal generation holding a record of this segment, written since the WAL was opened or left
     * live by its replay; -1: none.
     */
    private volatile long generation = -1;

    /** @param durableEnd where the bytes known on stable storage end, {@code entries} entries: none is owed yet */
    SegmentJournalState(Segment segment, Durability durability, long durableEnd, long entries) {
        this.segment = segment;
        this.durability = durability;
        this.requested = durableEnd;
        this.requestedEntries = entries;
        this.encodedTo = durableEnd;
    }

    /**
     * The bytes appended since the last range handed to the journal, as a range for it, or null when there are
     * none; the caller holds the key's lock.
     */
    Journal.Range rangeLocked() {
        long from = Math.max(requested, durability.fsynced());
        if (rejournal) {
            rejournal = false;
            from = Math.min(from, durability.position());
        }
        long to = segment.end();
        if (from >= to) {
            return null;
        }
        long entries = segment.entries();
        Journal.Range range = new Journal.Range(segment, from, to, (int) Math.max(0, entries - requestedEntries),
                segment.copyLocked(from, to));
        requested = to;
        requestedEntries = entries;
        return range;
    }

    /** Bytes not yet handed to the journal; the caller holds the key's lock. */
    long backlogLocked() {
        return segment.end() - requested;
    }

    /**
     * An fsync of the segment alone covered everything appended so far, with the key's lock held: no range of it
     * is owed to the journal.
     */
    void fsyncedLocked() {
        requested = segment.end();
        requestedEntries = segment.entries();
    }

    /** The journal's leader, writing a record of this segment into the file of {@code generation}. */
    void journaledIn(long generation) {
        this.generation = generation;
    }

    /**
     * At open, before the segment is published: journal replay wrote bytes of it, up to the file of
     * {@code generation}, and left the fsync to the first checkpoint (see {@link JournalReplay}).
     */
    void replayedWithoutFsync(long generation) {
        durability.fsyncOwed();
        this.generation = generation;
    }

    /** The newest journal generation that holds a record of this segment, or -1. */
    long generation() {
        return generation;
    }

    /** The journal's leader alone: where the ranges it has encoded for this segment end. */
    long encodedTo() {
        return encodedTo;
    }

    void encodedTo(long to) {
        encodedTo = Math.max(encodedTo, to);
    }

    /** The journal made the bytes below {@code to} durable. */
    void journaled(long to) {
        durability.journaled(to);
    }

    /** A checkpoint wrote the journal's ranges of this segment again, up to {@code end}, and fsynced them. */
    void rewritten(long end) {
        durability.fsyncedTo(end);
    }

    /**
     * A journal commit with a range of this segment failed: the next durable append sends the bytes again from
     * the durable position.
     */
    void failed() {
        encodedTo = durability.position();
        rejournal = true;
    }
}
