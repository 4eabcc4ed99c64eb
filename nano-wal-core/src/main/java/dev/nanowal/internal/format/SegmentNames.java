package dev.nanowal.internal.format;

/**
 * File names of segments, their temporary and broken companions, the lock file and the incomplete-backup marker
 * (FORMAT.md, "The directory").
 */
public final class SegmentNames {

    /** The file whose lock a WAL or a tool holds while it uses the directory. */
    public static final String LOCK_FILE = "nanowal.lock";
    /**
     * Present while a backup writes the directory, removed once the copy is complete and durable: a WAL does
     * not open, and {@code verify} fails, where it is left.
     */
    public static final String BACKUP_INCOMPLETE = "nanowal.backup-incomplete";
    public static final String SUFFIX = ".log";
    public static final String TEMP_SUFFIX = ".tmp";
    public static final String BROKEN_SUFFIX = ".broken";
    private static final int HASH_DIGITS = 16;
    private static final int SEQUENCE_DIGITS = 20;

    private SegmentNames() {
    }

    /** The hash and sequence number a segment file name carries. */
    public record Parsed(long keyHash, long sequence) {
    }

    public static String fileName(String key, long keyHash, long sequence) {
        String hex = Long.toHexString(keyHash);
        String digits = Long.toString(sequence);
        return KeyNames.safePart(key) + '-' + "0".repeat(HASH_DIGITS - hex.length()) + hex + '-'
                + "0".repeat(SEQUENCE_DIGITS - digits.length()) + digits + SUFFIX;
    }

    /** The hash and sequence of a segment file name, or null when the name is not one of ours. */
    public static Parsed parse(String name) {
        if (!name.endsWith(SUFFIX)) {
            return null;
        }
        int sequenceStart = name.length() - SUFFIX.length() - SEQUENCE_DIGITS;
        int hashStart = sequenceStart - 1 - HASH_DIGITS;
        if (hashStart < 2 || name.charAt(sequenceStart - 1) != '-' || name.charAt(hashStart - 1) != '-') {
            return null;
        }
        String hash = name.substring(hashStart, sequenceStart - 1);
        String sequence = name.substring(sequenceStart, name.length() - SUFFIX.length());
        if (!hash.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                || !sequence.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            return new Parsed(Long.parseUnsignedLong(hash, 16), Long.parseLong(sequence));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether the name is a segment still being created (or abandoned by a crash). */
    public static boolean isTemporary(String name) {
        return name.endsWith(SUFFIX + TEMP_SUFFIX) && parse(name.substring(0, name.length() - TEMP_SUFFIX.length())) != null;
    }

    /** Whether the name is a piece cut by repair. */
    public static boolean isBroken(String name) {
        return name.endsWith(SUFFIX + BROKEN_SUFFIX)
                && parse(name.substring(0, name.length() - BROKEN_SUFFIX.length())) != null;
    }
}
