package dev.nanowal;

import java.time.Instant;
import java.util.List;

/**
 * What one {@link Wal#compact()} removed.
 *
 * @param deletedSegments the segment files deleted, oldest first per key
 * @param startedAt when the compaction started, by the WAL's clock
 */
public record CompactionResult(List<DeletedSegment> deletedSegments, Instant startedAt) {

    public CompactionResult {
        deletedSegments = List.copyOf(deletedSegments);
    }

    /** How many segment files were deleted. */
    public int segmentsDeleted() {
        return deletedSegments.size();
    }

    /** How many bytes of segment files were deleted. */
    public long bytesDeleted() {
        return deletedSegments.stream().mapToLong(DeletedSegment::bytes).sum();
    }

    /**
     * One deleted segment file.
     *
     * @param key the key whose segment it was
     * @param sequenceNumber its sequence number: {@link EntryRef}s into it now fail as not found
     * @param bytes its size on disk
     * @param entries how many entries it held
     * @param newestEntry when its newest entry was written
     */
    public record DeletedSegment(String key, long sequenceNumber, long bytes, long entries, Instant newestEntry) {
    }
}
