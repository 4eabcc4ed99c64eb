package dev.nanowal;

import java.util.Objects;

/**
 * One entry to append in a batch (see {@link Wal#appendBatch(java.util.List, boolean)}).
 *
 * @param key the key the entry belongs to
 * @param header optional metadata (at most {@value Wal#MAX_HEADER_SIZE} bytes), {@code null} for none
 * @param content the entry's content
 */
public record WalEntry(String key, byte[] header, byte[] content) {

    public WalEntry {
        Objects.requireNonNull(key, "key must not be null");
        Objects.requireNonNull(content, "content must not be null");
    }

    /** An entry without a header. */
    public static WalEntry of(String key, byte[] content) {
        return new WalEntry(key, null, content);
    }

    /** An entry with a header ({@code null} for none). */
    public static WalEntry of(String key, byte[] header, byte[] content) {
        return new WalEntry(key, header, content);
    }

    @Override
    public String toString() {
        return "WalEntry[key=" + key + ", header=" + (header == null ? "none" : header.length + " bytes")
                + ", content=" + content.length + " bytes]";
    }
}
