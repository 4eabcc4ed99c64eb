package dev.nanowal.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import static org.awaitility.Awaitility.await;

/**
 * Everything a set of topics holds, read from the beginning to the end offsets, and what it says per source
 * WAL key (from the {@link SourcePosition} headers): each record's entry, in Kafka order.
 */
final class TopicContents {

    /** One forwarded record as a consumer sees it. */
    record Forwarded(SourcePosition position, String content, byte[] recordKey, TopicPartition partition) {
    }

    private final Map<String, List<Forwarded>> byKey = new LinkedHashMap<>();

    private TopicContents() {
    }

    static TopicContents read(String bootstrapServers, String... topics) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        TopicContents contents = new TopicContents();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    contents.add(record);
                }
                return caughtUp(consumer, ends);
            });
        }
        return contents;
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void add(ConsumerRecord<byte[], byte[]> record) {
        SourcePosition position = SourcePosition.of(record.headers())
                .orElseThrow(() -> new AssertionError("A record without a source position: " + record));
        byKey.computeIfAbsent(position.key(), (key) -> new ArrayList<>()).add(new Forwarded(position,
                new String(record.value(), StandardCharsets.UTF_8), record.key(),
                new TopicPartition(record.topic(), record.partition())));
    }

    /** The records of one source key, in the order Kafka holds them. */
    List<Forwarded> of(String key) {
        return byKey.getOrDefault(key, List.of());
    }

    Collection<String> keys() {
        return byKey.keySet();
    }

    /** Per key: the contents consumers see once they drop what is not after the last position they processed. */
    Map<String, List<String>> deduplicated() {
        Map<String, List<String>> result = new HashMap<>();
        byKey.forEach((key, records) -> {
            List<String> kept = new ArrayList<>();
            SourcePosition last = null;
            for (Forwarded record : records) {
                if (last == null || record.position().isAfter(last)) {
                    kept.add(record.content());
                    last = record.position();
                }
            }
            result.put(key, kept);
        });
        return result;
    }

    /** How many records consumers drop as duplicates. */
    long duplicates() {
        long all = byKey.values().stream().mapToLong(List::size).sum();
        return all - deduplicated().values().stream().mapToLong(List::size).sum();
    }
}
