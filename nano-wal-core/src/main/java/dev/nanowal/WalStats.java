package dev.nanowal;

/**
 * A snapshot of a WAL's size and of its counters since it was opened. Cheap enough to poll for metrics.
 *
 * @param keys keys that have entries
 * @param segments segment files
 * @param bytesOnDisk total size of the segment files' frames (zeros preallocated after them excluded)
 * @param openFiles segment files open right now
 * @param appends entries appended (durable and not), including durable ones whose fsync then failed
 * @param appendedBytes header and content bytes appended
 * @param durableAppends entries appended with {@code durable = true}
 * @param durableAppendedBytes header and content bytes appended with {@code durable = true}
 * @param reads entries read (by reference and by enumeration)
 * @param syncs fsync calls made on segment files
 * @param compactions compactions run
 * @param segmentsDeleted segment files deleted by compaction
 * @param bytesTruncatedAtRecovery bytes cut from torn tails when the WAL was opened
 * @param corruptionsDetected checksum or framing failures seen
 * @param writeFailures appends or syncs that failed with an I/O error
 */
public record WalStats(long keys, long segments, long bytesOnDisk, long openFiles, long appends, long appendedBytes,
        long durableAppends, long durableAppendedBytes, long reads, long syncs, long compactions, long segmentsDeleted,
        long bytesTruncatedAtRecovery, long corruptionsDetected, long writeFailures) {
}
