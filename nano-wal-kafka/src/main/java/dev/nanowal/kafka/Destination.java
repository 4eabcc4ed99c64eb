package dev.nanowal.kafka;

import java.util.Objects;

/**
 * Where the entries of one WAL key go in Kafka.
 *
 * @param topic the Kafka topic
 * @param partition the partition, or {@code null} to let the producer's partitioner choose (by record key)
 */
public record Destination(String topic, Integer partition) {

    public Destination {
        Objects.requireNonNull(topic, "topic must not be null");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must be at least 0, was " + partition);
        }
    }
}
