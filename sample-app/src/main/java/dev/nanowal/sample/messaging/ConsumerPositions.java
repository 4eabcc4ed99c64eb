package dev.nanowal.sample.messaging;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalRecord;
import dev.nanowal.sample.EntryRefs;

import org.springframework.stereotype.Component;

/**
 * Where each consumer is in each partition: the {@link EntryRef} of the last message it was given. Saved durably in
 * the WAL itself under a reserved key (like Kafka's offsets topic), one small entry per commit, header
 * {@code <consumer>/<partition key>}, content the reference; replayed into memory at start-up, last one wins.
 *
 * <p>Positions are entries like any other, so a consumer idle for longer than the retention loses its position and
 * starts again from the oldest message still held.
 */
@Component
class ConsumerPositions {

    static final String KEY = "__consumer-positions";

    private final Wal wal;

    private final Map<String, EntryRef> positions = new ConcurrentHashMap<>();

    ConsumerPositions(Wal wal) {
        this.wal = wal;
        try (Stream<WalRecord> records = wal.enumerateEntries(KEY)) {
            records.forEach((record) -> this.positions.put(text(record.header()),
                    EntryRefs.parse(text(record.content()))));
        }
    }

    Optional<EntryRef> get(String consumer, String partitionKey) {
        return Optional.ofNullable(this.positions.get(id(consumer, partitionKey)));
    }

    void save(String consumer, String partitionKey, EntryRef position) {
        String id = id(consumer, partitionKey);
        this.wal.logEntry(KEY, id.getBytes(StandardCharsets.UTF_8),
                EntryRefs.format(position).getBytes(StandardCharsets.UTF_8));
        this.positions.put(id, position);
    }

    private static String id(String consumer, String partitionKey) {
        return consumer + "/" + partitionKey;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
