package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalRecord;
import dev.nanowal.internal.format.Frames;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a key's entries are, in one read's snapshot of its segments (the immutable list {@link KeyLog#segments()}
 * gives, oldest first): the segment of a reference, the position just after an entry, and the iterators that read
 * on from a position. Each method works on the snapshot it is given, so a compaction or a rotation meanwhile changes
 * nothing it returns. Thread-safe.
 */
final class KeyPositions {

    private final String key;
    private final WalContext context;

    KeyPositions(String key, WalContext context) {
        this.key = key;
        this.context = context;
    }

    /**
     * The segment that holds {@code ref}.
     *
     * @throws WalEntryNotFoundException when it was compacted, or never was one of the key's
     */
    Segment segmentOf(List<Segment> current, EntryRef ref) {
        Segment segment = segment(current, ref.sequenceNumber());
        if (segment == null || segment.isDeleted()) {
            throw new WalEntryNotFoundException("Key '" + key + "' has no segment " + ref.sequenceNumber()
                    + " (it was compacted, or never belonged to this key): " + ref);
        }
        return segment;
    }

    /**
     * The entries appended after {@code checkpoint}; all of them when the checkpoint's segment was compacted.
     *
     * @throws WalEntryNotFoundException when the checkpoint is not one of the key's entries
     */
    EntryIterator entriesAfter(List<Segment> current, EntryRef checkpoint) {
        int from = 0;
        while (from < current.size() && current.get(from).sequence() < checkpoint.sequenceNumber()) {
            from++;
        }
        if (from == current.size() || current.get(from).sequence() > checkpoint.sequenceNumber()) {
            if (from > 0) {
                throw new WalEntryNotFoundException("Key '" + key + "' has no segment "
                        + checkpoint.sequenceNumber() + ": " + checkpoint);
            }
            return entries(current, 0, false);
        }
        WalRecord record = RecordReader.read(current.get(from), checkpoint, context.events());
        long next = checkpoint.offset() + Frames.recordSize(record.header().length, record.content().length);
        return entries(current.subList(from, current.size()), next, false);
    }

    /**
     * Where a reader goes on after {@code ref}: just past it when its segment is held, at the oldest entry held
     * when its segment was compacted.
     *
     * @throws WalEntryNotFoundException when {@code ref} is not one of the key's entries
     */
    TailPosition positionAfter(List<Segment> current, EntryRef ref) {
        Segment segment = segment(current, ref.sequenceNumber());
        if (segment == null || segment.isDeleted()) {
            if (!current.isEmpty() && ref.sequenceNumber() > current.get(0).sequence()) {
                throw new WalEntryNotFoundException("Key '" + key + "' has no segment " + ref.sequenceNumber() + ": "
                        + ref);
            }
            return new TailPosition(null, ref.sequenceNumber(), 0);
        }
        WalRecord record = RecordReader.read(segment, ref, context.events());
        return new TailPosition(segment, ref.sequenceNumber(),
                ref.offset() + Frames.recordSize(record.header().length, record.content().length));
    }

    /**
     * How many entries the key holds after {@code position}: the counts of the newer segments, and the records of
     * its own segment after it, read (one segment at most).
     */
    long countAfter(List<Segment> current, TailPosition position) {
        long behind = 0;
        for (Segment segment : current) {
            if (segment.sequence() > position.sequence()) {
                behind += segment.entries();
            } else if (segment.sequence() == position.sequence() && !segment.isDeleted()) {
                try (EntryIterator rest = entries(List.of(segment), position.next(), false)) {
                    while (rest.hasNext()) {
                        rest.next();
                        behind++;
                    }
                }
            }
        }
        return behind;
    }

    /** The entries from {@code position} on: of its segment from its offset, else of the first newer segment. */
    EntryIterator entriesFrom(List<Segment> current, TailPosition position) {
        int from = 0;
        while (from < current.size() && current.get(from).sequence() < position.sequence()) {
            from++;
        }
        boolean same = from < current.size() && current.get(from).sequence() == position.sequence();
        return entries(current.subList(from, current.size()), same ? position.next() : 0, false);
    }

    /** The entries of {@code from}, starting at {@code startOffset} in the first of them. */
    EntryIterator entries(List<Segment> from, long startOffset, boolean skipDamaged) {
        List<Segment.ReadSnapshot> snapshots = new ArrayList<>(from.size());
        for (Segment segment : from) {
            snapshots.add(segment.snapshotForReading());
        }
        return new EntryIterator(from, snapshots, startOffset, context.storage(), context.events(), skipDamaged);
    }

    /** The segment of {@code current} with this sequence number, or null. */
    static Segment segment(List<Segment> current, long sequence) {
        int low = 0;
        int high = current.size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            long found = current.get(middle).sequence();
            if (found < sequence) {
                low = middle + 1;
            } else if (found > sequence) {
                high = middle - 1;
            } else {
                return current.get(middle);
            }
        }
        return null;
    }
}
