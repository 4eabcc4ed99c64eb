package dev.nanowal.kafka;

import java.time.Duration;
import java.time.Instant;

import dev.nanowal.EntryRef;

import org.apache.kafka.clients.producer.Producer;

/**
 * Hears what the relay does, for metrics; register with {@link KafkaRelay#addListener}. Called on the relay's thread, except
 * {@link #onUnforwardedSegmentDeleted}, which runs on the thread that compacts, and the producer callbacks, which
 * run on the thread that starts the relay or registers the listener; keep it quick. An exception thrown here is
 * logged and ignored.
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

    /**
     * The relay has a new producer: the one it was built with (heard at once by a listener registered while it is
     * open), and a new one each time it starts again after {@link KafkaRelay#stop()}. For binding the producer's
     * client metrics; do not send through it.
     */
    default void onProducerStarted(Producer<byte[], byte[]> producer) {
    }

    /** The relay closed that producer (when it stopped). */
    default void onProducerClosed(Producer<byte[], byte[]> producer) {
    }
}
