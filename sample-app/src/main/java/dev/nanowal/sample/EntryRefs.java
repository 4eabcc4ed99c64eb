package dev.nanowal.sample;

import dev.nanowal.EntryRef;

/**
 * The text form of an {@link EntryRef} used in URLs and JSON: {@code <key hash in hex>-<segment>-<offset>}, for
 * example {@code 9e1f3c5a7b2d4e60-1-0}.
 */
public final class EntryRefs {

    private EntryRefs() {
    }

    public static String format(EntryRef ref) {
        return String.format("%016x-%d-%d", ref.keyHash(), ref.sequenceNumber(), ref.offset());
    }

    /**
     * @throws IllegalArgumentException when the text is not a formatted reference
     */
    public static EntryRef parse(String text) {
        String[] parts = text.split("-");
        if (parts.length != 3) {
            throw new IllegalArgumentException("'" + text + "' is not an entry reference (<hash>-<segment>-<offset>)");
        }
        try {
            return new EntryRef(Long.parseUnsignedLong(parts[0], 16), Long.parseLong(parts[1]),
                    Long.parseLong(parts[2]));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("'" + text + "' is not an entry reference (<hash>-<segment>-<offset>)");
        }
    }
}
