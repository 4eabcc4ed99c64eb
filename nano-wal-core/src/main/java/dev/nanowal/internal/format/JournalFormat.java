package dev.nanowal.internal.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The byte layout of journal files, exactly as FORMAT.md ("The commit journal") draws it: a 32-byte file header,
 * then records, each a byte range of one segment. The only code that knows where a journal field sits.
 */
public final class JournalFormat {

    public static final byte[] FILE_MAGIC = "NANO-JNL".getBytes(StandardCharsets.US_ASCII);
    public static final int FORMAT_VERSION = 1;

    public static final int FILE_HEADER_SIZE = 32;
    public static final int FILE_VERSION_AT = 8;
    public static final int FILE_CRC_AT = 12;
    public static final int FILE_GENERATION_AT = 16;

    public static final int RECORD_HEADER_SIZE = 48;
    public static final int LENGTH_AT = 0;
    public static final int CRC_AT = 4;
    public static final int GENERATION_AT = 8;
    public static final int KEY_HASH_AT = 16;
    public static final int SEQUENCE_AT = 24;
    public static final int OFFSET_AT = 32;
    public static final int ENTRIES_AT = 40;

    /** Journal files are {@code nanowal-<slot>.journal}; the slot is only a name, the header's generation orders them. */
    public static final String FILE_PREFIX = "nanowal-";
    public static final String FILE_SUFFIX = ".journal";
    private static final int MAX_SLOT_DIGITS = 6;

    private JournalFormat() {
    }

    public static String fileName(int slot) {
        return FILE_PREFIX + slot + FILE_SUFFIX;
    }

    /** The slot of a journal file name, or -1 when the name is not one. */
    public static int slotOf(String name) {
        if (!name.startsWith(FILE_PREFIX) || !name.endsWith(FILE_SUFFIX)) {
            return -1;
        }
        String digits = name.substring(FILE_PREFIX.length(), name.length() - FILE_SUFFIX.length());
        if (digits.isEmpty() || digits.length() > MAX_SLOT_DIGITS || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Integer.parseInt(digits);
    }

    /** The size of a record holding {@code dataLength} segment bytes, padding included. */
    public static long recordSize(int dataLength) {
        return Frames.align((long) RECORD_HEADER_SIZE + dataLength);
    }

    /** A file header for {@code generation}. */
    public static ByteBuffer fileHeader(long generation) {
        ByteBuffer out = ByteBuffer.allocate(FILE_HEADER_SIZE);
        out.put(FILE_MAGIC).putInt(FILE_VERSION_AT, FORMAT_VERSION).putLong(FILE_GENERATION_AT, generation);
        out.putInt(FILE_CRC_AT, fileHeaderCrc(out));
        return out.clear();
    }

    /** The generation a file header holds, or -1 when it is not a valid header (a spare file: zeros). */
    public static long generation(ByteBuffer header) {
        if (header.remaining() < FILE_HEADER_SIZE || !Frames.hasMagic(header, 0, FILE_MAGIC)
                || header.get(6) != FILE_MAGIC[6] || header.get(7) != FILE_MAGIC[7]
                || header.getInt(FILE_VERSION_AT) != FORMAT_VERSION || header.getInt(FILE_CRC_AT) != fileHeaderCrc(header)) {
            return -1;
        }
        return header.getLong(FILE_GENERATION_AT);
    }

    private static int fileHeaderCrc(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        Frames.updateRange(crc, header, 0, FILE_CRC_AT);
        Frames.updateRange(crc, header, FILE_CRC_AT + 4, FILE_HEADER_SIZE);
        return (int) crc.getValue();
    }

    /**
     * Appends one record to {@code out} (which has room for {@link #recordSize}): the bytes {@code data} of the
     * segment ({@code keyHash}, {@code sequence}) that belong at {@code offset}.
     */
    public static void putRecord(ByteBuffer out, CRC32C crc, long generation, long keyHash, long sequence, long offset,
            int entries, byte[] data) {
        int at = out.position();
        int size = (int) recordSize(data.length);
        out.putInt(at + LENGTH_AT, data.length).putLong(at + GENERATION_AT, generation)
                .putLong(at + KEY_HASH_AT, keyHash).putLong(at + SEQUENCE_AT, sequence).putLong(at + OFFSET_AT, offset)
                .putInt(at + ENTRIES_AT, entries).putInt(at + ENTRIES_AT + 4, 0);
        out.put(at + RECORD_HEADER_SIZE, data);
        for (int i = at + RECORD_HEADER_SIZE + data.length; i < at + size; i++) {
            out.put(i, (byte) 0);
        }
        crc.reset();
        Frames.updateRange(crc, out, at + GENERATION_AT, at + RECORD_HEADER_SIZE);
        crc.update(data);
        out.putInt(at + CRC_AT, (int) crc.getValue());
        out.position(at + size);
    }

    /** The data length a record header declares (0: the end of the journal, as zeros are). */
    public static int dataLength(ByteBuffer in, int at) {
        return in.getInt(at + LENGTH_AT);
    }

    /**
     * Whether the record at {@code at}, whose data (of the declared length) follows its header in {@code in},
     * belongs to {@code generation} and matches its CRC.
     */
    public static boolean isValid(ByteBuffer in, int at, CRC32C crc, long generation) {
        int length = dataLength(in, at);
        if (in.getLong(at + GENERATION_AT) != generation) {
            return false;
        }
        crc.reset();
        Frames.updateRange(crc, in, at + GENERATION_AT, at + RECORD_HEADER_SIZE + length);
        return (int) crc.getValue() == in.getInt(at + CRC_AT);
    }
}
