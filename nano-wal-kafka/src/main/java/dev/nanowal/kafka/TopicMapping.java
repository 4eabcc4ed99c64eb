package dev.nanowal.kafka;

/**
 * Maps a WAL key to its Kafka {@link Destination}. Called once per key, when the relay first sees it; every
 * entry of a key goes to the same destination, which is what keeps a key's entries in order in Kafka.
 */
@FunctionalInterface
public interface TopicMapping {

    /**
     * The WAL key is the topic name; the producer's partitioner picks the partition (by the record key when there
     * is one). A key's entries stay in order in Kafka only within a partition, so with a topic of several partitions
     * the order holds per record key, not per WAL key; use one partition, or {@link #TOPIC_PARTITION}, to keep it
     * per WAL key.
     */
    TopicMapping KEY_AS_TOPIC = (key) -> new Destination(key, null);

    /**
     * A key {@code <topic>-<partition>} (for example {@code orders-2}) goes to that topic and partition; a key
     * without a numeric suffix goes to the topic named like the key, as with {@link #KEY_AS_TOPIC}.
     */
    TopicMapping TOPIC_PARTITION = TopicMapping::splitTopicPartition;

    Destination destinationOf(String key);

    private static Destination splitTopicPartition(String key) {
        int dash = key.lastIndexOf('-');
        if (dash <= 0 || dash == key.length() - 1 || key.length() - dash - 1 > 9) {
            return new Destination(key, null);
        }
        for (int i = dash + 1; i < key.length(); i++) {
            if (key.charAt(i) < '0' || key.charAt(i) > '9') {
                return new Destination(key, null);
            }
        }
        return new Destination(key.substring(0, dash), Integer.parseInt(key.substring(dash + 1)));
    }
}
