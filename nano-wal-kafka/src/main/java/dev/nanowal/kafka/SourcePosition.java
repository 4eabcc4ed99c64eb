package dev.nanowal.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

import dev.nanowal.EntryRef;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Where a forwarded record came from: its WAL key and {@link EntryRef}. Every record the relay sends carries it
 * in two Kafka headers, {@value #KEY_HEADER} (the key, UTF-8) and {@value #REF_HEADER} (the reference: key hash,
 * segment sequence number and offset, three big-endian longs).
 *
 * <p>A consumer drops the duplicates that at-least-once delivery allows by remembering, per source key, the
 * newest position it processed and skipping any record that is not {@link #isAfter(SourcePosition) after} it:
 * within one key, positions grow with every append and the relay never reorders a key's entries.
 *
 * @param key the WAL key
 * @param ref the entry's reference
 */
public record SourcePosition(String key, EntryRef ref) {

    /** Kafka header holding the source WAL key. */
    public static final String KEY_HEADER = "nanowal-key";

    /** Kafka header holding the source {@link EntryRef}. */
    public static final String REF_HEADER = "nanowal-ref";

    /** Kafka header holding the entry's own header, with {@link HeaderMapping#KAFKA_HEADER}. */
    public static final String ENTRY_HEADER = "nanowal-header";

    public SourcePosition {
        Objects.requireNonNull(key, "key must not be null");
        Objects.requireNonNull(ref, "ref must not be null");
    }

    /** The source position of a record the relay sent, empty when it carries none. */
    public static Optional<SourcePosition> of(Headers headers) {
        Header key = headers.lastHeader(KEY_HEADER);
        Header ref = headers.lastHeader(REF_HEADER);
        if (key == null || ref == null || ref.value() == null || ref.value().length != 3 * Long.BYTES) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(ref.value());
        return Optional.of(new SourcePosition(new String(key.value(), StandardCharsets.UTF_8),
                new EntryRef(buffer.getLong(), buffer.getLong(), buffer.getLong())));
    }

    /**
     * Whether this entry was appended after {@code other} to the same key.
     *
     * @throws IllegalArgumentException when the keys differ (positions of different keys are not ordered)
     */
    public boolean isAfter(SourcePosition other) {
        if (!key.equals(other.key)) {
            throw new IllegalArgumentException("Positions of different keys are not ordered: '" + key + "' and '"
                    + other.key + "'");
        }
        return ref.sequenceNumber() != other.ref.sequenceNumber()
                ? ref.sequenceNumber() > other.ref.sequenceNumber()
                : ref.offset() > other.ref.offset();
    }

    void addTo(Headers headers) {
        headers.add(KEY_HEADER, key.getBytes(StandardCharsets.UTF_8));
        headers.add(REF_HEADER, ByteBuffer.allocate(3 * Long.BYTES).putLong(ref.keyHash())
                .putLong(ref.sequenceNumber()).putLong(ref.offset()).array());
    }
}
