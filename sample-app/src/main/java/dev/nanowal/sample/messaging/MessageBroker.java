package dev.nanowal.sample.messaging;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalRecord;
import dev.nanowal.sample.EntryRefs;
import dev.nanowal.sample.Names;
import dev.nanowal.sample.SampleProperties;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Service;

/**
 * Partitioned messaging on nano-wal: each topic partition is one WAL key, {@code <topic>-<partition>} (for example
 * {@code orders-0}); a message goes to the partition its key hashes to, so one key's messages stay in order.
 * Consumers poll a partition and resume after the position they saved.
 */
@Service
public class MessageBroker {

    static final int MAX_POLL = 1000;

    private final Wal wal;

    private final JsonMapper json;

    private final ConsumerPositions positions;

    private final int partitions;

    private final Clock clock;

    MessageBroker(Wal wal, JsonMapper json, ConsumerPositions positions, SampleProperties properties, Clock clock) {
        this.wal = wal;
        this.json = json;
        this.positions = positions;
        this.partitions = properties.messaging().partitions();
        this.clock = clock;
    }

    Published publish(String topic, String messageKey, JsonNode payload) {
        Names.check("message key", messageKey);
        int partition = (int) Math.floorMod(EntryRef.hashOf(messageKey), (long) this.partitions);
        MessageHeader header = new MessageHeader(messageKey, this.clock.instant());
        EntryRef ref = this.wal.logEntry(partitionKey(topic, partition), this.json.writeValueAsBytes(header),
                this.json.writeValueAsBytes(payload));
        return new Published(topic, partition, EntryRefs.format(ref));
    }

    /**
     * Up to {@code max} messages after the consumer's saved position, saving the position of the last one: a
     * message is handed out once per consumer (at most once: a consumer that crashes before processing it does not
     * get it again). Synchronized so two polls of one consumer never get the same messages.
     */
    synchronized Poll poll(String topic, int partition, String consumer, int max) {
        Names.check("consumer", consumer);
        if (max < 1 || max > MAX_POLL) {
            throw new IllegalArgumentException("max must be between 1 and " + MAX_POLL + ", was " + max);
        }
        String key = partitionKey(topic, partition);
        Optional<EntryRef> position = this.positions.get(consumer, key);
        List<Message> messages;
        try (Stream<WalRecord> records = after(key, position)) {
            messages = records.limit(max).map(this::message).toList();
        }
        if (!messages.isEmpty()) {
            EntryRef last = EntryRefs.parse(messages.get(messages.size() - 1).ref());
            this.positions.save(consumer, key, last);
            position = Optional.of(last);
        }
        return new Poll(topic, partition, consumer, messages, position.map(EntryRefs::format).orElse(null));
    }

    Optional<String> position(String topic, int partition, String consumer) {
        return this.positions.get(Names.check("consumer", consumer), partitionKey(topic, partition))
            .map(EntryRefs::format);
    }

    private Stream<WalRecord> after(String key, Optional<EntryRef> position) {
        // A partition whose every segment was compacted is unknown to the WAL: nothing to resume after.
        if (position.isEmpty() || this.wal.keyInfo(key).isEmpty()) {
            return this.wal.enumerateEntries(key);
        }
        return this.wal.enumerateEntriesAfter(position.get());
    }

    private Message message(WalRecord record) {
        MessageHeader header = this.json.readValue(record.header(), MessageHeader.class);
        return new Message(EntryRefs.format(record.ref()), header.key(), header.publishedAt(),
                this.json.readTree(record.content()));
    }

    private String partitionKey(String topic, int partition) {
        Names.check("topic", topic);
        if (partition < 0 || partition >= this.partitions) {
            throw new IllegalArgumentException(
                    "partition must be between 0 and " + (this.partitions - 1) + ", was " + partition);
        }
        return topic + "-" + partition;
    }

    /**
     * A message's header in the WAL.
     *
     * @param key the message key that chose the partition
     * @param publishedAt when it was published
     */
    record MessageHeader(String key, Instant publishedAt) {
    }

    /**
     * @param topic the topic
     * @param partition the partition the message key hashed to
     * @param ref where the message is
     */
    record Published(String topic, int partition, String ref) {
    }

    /**
     * @param ref where the message is; also the position a consumer saves
     * @param key the message key
     * @param publishedAt when it was published
     * @param payload the message
     */
    record Message(String ref, String key, Instant publishedAt, JsonNode payload) {
    }

    /**
     * @param topic the topic
     * @param partition the partition
     * @param consumer the consumer
     * @param messages the messages handed out
     * @param position the consumer's position after this poll, null before its first message
     */
    record Poll(String topic, int partition, String consumer, List<Message> messages, String position) {
    }
}
