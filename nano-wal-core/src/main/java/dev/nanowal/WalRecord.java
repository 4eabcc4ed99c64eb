package dev.nanowal;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry read back from the log: where it is, its header (an empty array when it was appended without
 * one) and its content.
 *
 * @param ref the entry's reference
 * @param header the entry's header, empty when absent
 * @param content the entry's content
 */
public record WalRecord(EntryRef ref, byte[] header, byte[] content) {

    public WalRecord {
        Objects.requireNonNull(ref, "ref must not be null");
        Objects.requireNonNull(header, "header must not be null (use an empty array)");
        Objects.requireNonNull(content, "content must not be null");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WalRecord that && ref.equals(that.ref) && Arrays.equals(header, that.header)
                && Arrays.equals(content, that.content);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * ref.hashCode() + Arrays.hashCode(header)) + Arrays.hashCode(content);
    }

    @Override
    public String toString() {
        return "WalRecord[ref=" + ref + ", header=" + header.length + " bytes, content=" + content.length + " bytes]";
    }
}
