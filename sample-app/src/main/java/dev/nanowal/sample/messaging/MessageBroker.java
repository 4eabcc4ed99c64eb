package dev.nanowal.sample.messaging;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalCursor;
import dev.nanowal.WalRecord;
import dev.nanowal.WalTailer;
import dev.nanowal.sample.EntryRefs;
import dev.nanowal.sample.Names;
import dev.nanowal.sample.SampleProperties;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Service;

/**
 * Partitioned messaging on nano-wal: each topic partition is one WAL key, {@code <topic>-<partition>} (for example
 * {@code orders-0}); a message goes to the partition its key hashes to, so one key's messages stay in order.
 *
 * <p>A consumer is a {@link WalCursor} named after it on the partition's key: a poll returns the messages after its
 * committed position without moving it, and the consumer commits the last one it processed (at least once: what a
 * consumer did not commit before it crashed, it gets again). Readers without a position tail a partition from a
 * message of their choice. Both wait for messages when asked to, woken by the publish, not by polling.
 */
@Service
public class MessageBroker {

    static final int MAX_POLL = 1000;

    /** Each waiting request holds a request thread: the wait is capped so they come back. */
    static final Duration MAX_WAIT = Duration.ofSeconds(30);

    private final Wal wal;

    private final JsonMapper json;

    private final int partitions;

    private final Clock clock;

    MessageBroker(Wal wal, JsonMapper json, SampleProperties properties, Clock clock) {
        this.wal = wal;
        this.json = json;
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
     * Up to {@code max} messages after the consumer's committed position (from the oldest held before its first
     * commit), waiting up to {@code wait} for one when there are none. Does not move the position: polling again
     * before a {@link #commit} returns the same messages.
     */
    Poll poll(String topic, int partition, String consumer, int max, Duration wait) {
        WalCursor cursor = cursor(topic, partition, consumer);
        List<Message> messages = cursor.poll(checkMax(max), checkWait(wait)).stream().map(this::message).toList();
        return new Poll(topic, partition, consumer, messages, cursor.position().map(EntryRefs::format).orElse(null));
    }

    /**
     * Commits the consumer's position: the last message it processed. Durable when this returns.
     *
     * @throws IllegalArgumentException when {@code position} is not a reference, or one of another partition
     */
    String commit(String topic, int partition, String consumer, String position) {
        if (position == null) {
            throw new IllegalArgumentException("position is required: the ref of the last message processed");
        }
        cursor(topic, partition, consumer).commit(EntryRefs.parse(position));
        return position;
    }

    Optional<String> position(String topic, int partition, String consumer) {
        return cursor(topic, partition, consumer).position().map(EntryRefs::format);
    }

    /**
     * Up to {@code max} messages of the partition after {@code after} (from the oldest held when null), waiting up
     * to {@code wait} for one when there are none; no position is kept.
     */
    Page read(String topic, int partition, String after, int max, Duration wait) {
        String key = partitionKey(topic, partition);
        checkMax(max);
        checkWait(wait);
        List<Message> messages = new ArrayList<>();
        try (WalTailer tailer = this.wal.tail(key, (after != null) ? EntryRefs.parse(after) : null)) {
            Optional<WalRecord> next = tailer.poll(wait);
            while (next.isPresent()) {
                messages.add(message(next.get()));
                next = (messages.size() < max) ? tailer.poll(Duration.ZERO) : Optional.empty();
            }
        }
        String last = messages.isEmpty() ? after : messages.get(messages.size() - 1).ref();
        return new Page(topic, partition, messages, last);
    }

    private WalCursor cursor(String topic, int partition, String consumer) {
        return this.wal.cursor(Names.check("consumer", consumer), partitionKey(topic, partition));
    }

    private static int checkMax(int max) {
        if (max < 1 || max > MAX_POLL) {
            throw new IllegalArgumentException("max must be between 1 and " + MAX_POLL + ", was " + max);
        }
        return max;
    }

    private static Duration checkWait(Duration wait) {
        if (wait.isNegative() || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("wait must be between PT0S and " + MAX_WAIT + ", was " + wait);
        }
        return wait;
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
     * @param ref where the message is; also the position a consumer commits
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
     * @param messages the messages after its position
     * @param position the consumer's committed position, which the poll did not move; null before its first commit
     */
    record Poll(String topic, int partition, String consumer, List<Message> messages, String position) {
    }

    /**
     * @param topic the topic
     * @param partition the partition
     * @param messages the messages read
     * @param last the ref to read after next time: the last message's, else the {@code after} asked for
     */
    record Page(String topic, int partition, List<Message> messages, String last) {
    }
}
