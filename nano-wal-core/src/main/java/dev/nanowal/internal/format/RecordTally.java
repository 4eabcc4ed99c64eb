package dev.nanowal.internal.format;

/**
 * The records a scan has passed so far, and their timestamps: the oldest is the first record's, the newest the
 * latest of all (as a segment keeps them while it is appended to); both are the segment's creation time while it
 * holds none. Every scan of a segment's frames counts through one, so they agree on what a segment holds. Belongs
 * to one thread.
 */
public final class RecordTally {

    private long records;
    private long oldest;
    private long newest;

    /** A tally of no records yet, in a segment created at {@code createdAt}. */
    public RecordTally(long createdAt) {
        this.oldest = createdAt;
        this.newest = createdAt;
    }

    /** A tally that starts from what a seal states. */
    public RecordTally(SegmentScan.Seal seal) {
        this.records = seal.entries();
        this.oldest = seal.oldest();
        this.newest = seal.newest();
    }

    /** Counts a record written at {@code timestamp}. */
    public void count(long timestamp) {
        oldest = records == 0 ? timestamp : oldest;
        newest = records == 0 ? timestamp : Math.max(newest, timestamp);
        records++;
    }

    public long records() {
        return records;
    }

    public long oldest() {
        return oldest;
    }

    public long newest() {
        return newest;
    }
}
