package dev.nanowal.kafka;

import java.time.Duration;
import java.time.Instant;

import dev.nanowal.EntryRef;

/**
 * Hears what the relay does, for metrics; register with {@link KafkaRelay#addListener}. Called on the relay's thread, except
 * {@link #onUnforwardedSegmentDeleted}, which runs on the thread that compacts; keep it quick. An exception thrown
 * here is logged and ignored.
 */
public interface RelayListener {

    /**
     * Kafka acknowledged one entry.
     *
     * @param key the WAL key
     * @param bytes the entry's content and header bytes
     * @param latency from handing the record to the producer until the acknowledgement
     */
    default void onForwarded(String key, int bytes, Duration latency) {
    }

    /** A send failed with an error worth retrying; the key resends from its checkpoint after a back-off. */
    default void onRetry(String key, Exception cause) {
    }

    /** Kafka refused an entry for good; {@code policy} says what the relay did with it. */
    default void onPoison(String key, EntryRef ref, Exception cause, PoisonPolicy policy) {
    }

    /**
     * Compaction deleted a segment whose entries were not all forwarded, because they were older than the
     * configured maximum lag. Those entries never reach Kafka.
     */
    default void onUnforwardedSegmentDeleted(String key, long sequenceNumber, Instant newestEntry) {
    }
}
