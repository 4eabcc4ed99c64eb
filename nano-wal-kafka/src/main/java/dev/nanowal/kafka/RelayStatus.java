package dev.nanowal.kafka;

import java.time.Duration;
import java.util.List;

/**
 * A snapshot of the relay, for health and metrics.
 *
 * @param running whether the relay thread is forwarding
 * @param failure why the relay stopped for good (a fatal producer error), or {@code null}
 * @param stalledFor how long the relay has had unacknowledged sends, or entries waiting for a retry, without
 *     any acknowledgement from Kafka: the time Kafka has been unreachable, {@link Duration#ZERO} when it is not
 * @param forwardedEntries entries Kafka acknowledged (duplicates resent after a failure count again)
 * @param forwardedBytes their content and header bytes
 * @param retries records the producer sent again plus resends of a key from its checkpoint
 * @param failures failed sends of any kind
 * @param poisonEntries entries refused for good (see {@link PoisonPolicy})
 * @param unforwardedSegmentsDeleted segments that compaction deleted before they were forwarded, because they
 *     were older than the maximum lag
 * @param keys the lag of every forwarded key, sorted by key
 */
public record RelayStatus(boolean running, String failure, Duration stalledFor, long forwardedEntries,
        long forwardedBytes, long retries, long failures, long poisonEntries, long unforwardedSegmentsDeleted,
        List<KeyLag> keys) {

    public RelayStatus {
        keys = List.copyOf(keys);
    }
}
