package dev.nanowal;

import java.time.Instant;

/**
 * Lets an application keep expired segments that it still needs, such as entries a relay has not forwarded
 * yet. Register with {@link Wal#addCompactionGuard(CompactionGuard)}. {@link Wal#compact()} asks every guard
 * before deleting an expired segment, oldest first per key, and stops at the first segment any guard keeps,
 * so a key's segments stay contiguous. Called with the key's lock held: answer quickly and do not call back
 * into the WAL.
 */
@FunctionalInterface
public interface CompactionGuard {

    /**
     * Whether compaction may delete this expired segment.
     *
     * @param key the key whose segment it is
     * @param sequenceNumber the segment's sequence number, as in {@link EntryRef#sequenceNumber()}
     * @param newestEntry when its newest entry was written
     * @return false to keep it (and every newer segment of the key) for now
     */
    boolean mayDelete(String key, long sequenceNumber, Instant newestEntry);
}
