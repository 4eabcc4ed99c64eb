package dev.nanowal.internal.engine;

/**
 * Where a tailer or cursor reads next: in the segment with {@code sequence}, at {@code next}.
 *
 * @param segment the segment, kept after it was deleted so that a reader can tell whether it had read all of it;
 *     null when unknown (before the first entry, or a segment compacted before the position was made)
 * @param sequence its sequence number; -1 for "from the oldest entry held"
 * @param next the offset of the next record in it
 */
record TailPosition(Segment segment, long sequence, long next) {

    static final TailPosition OLDEST = new TailPosition(null, -1, 0);
}
