package dev.nanowal.internal.engine;

/**
 * How far a tailer has read one key (the writer's {@link KeyTailReader}, a read-only view's {@link ReadOnlyTailer}):
 * the segment of its next entry and where that starts, and how many times it went on past entries it may not have
 * read because compaction deleted them ({@code TailReader.skipped}). Not thread-safe.
 */
final class TailProgress {

    private long sequence;
    private long offset;
    private long skipped;

    /**
     * @param sequence the segment of the next entry, -1 before the first
     * @param offset where the next entry starts in it (0: at its first)
     */
    TailProgress(long sequence, long offset) {
        this.sequence = sequence;
        this.offset = offset;
    }

    long sequence() {
        return sequence;
    }

    long offset() {
        return offset;
    }

    long skipped() {
        return skipped;
    }

    /** The next entry starts at {@code offset} of the same segment. */
    void readTo(long offset) {
        this.offset = offset;
    }

    /**
     * The next entry is the first of segment {@code sequence}.
     *
     * @param missed whether entries between the position and that segment may have been compacted unread
     */
    void moveTo(long sequence, boolean missed) {
        if (missed) {
            skipped++;
        }
        this.sequence = sequence;
        this.offset = 0;
    }
}
