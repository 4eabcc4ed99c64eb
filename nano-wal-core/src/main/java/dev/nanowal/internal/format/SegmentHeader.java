package dev.nanowal.internal.format;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The header at the start of every segment file (FORMAT.md, "Segment header"):
 *
 * <pre>
 *  0  magic "NANO-LOG"        8 bytes
 *  8  format version          int32 = 1
 * 12  CRC32C                  int32, over [0, 12) and [16, 48 + K)
 * 16  key hash                int64
 * 24  sequence number         int64
 * 32  created at (epoch ms)   int64
 * 40  key length K            int32
 * 44  reserved                int32 = 0
 * 48  key                     K bytes of UTF-8, then zeros up to a multiple of 8
 * </pre>
 */
public record SegmentHeader(String key, byte[] keyBytes, long keyHash, long sequence, long createdAt) {

    public static final byte[] MAGIC = "NANO-LOG".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;
    private static final int MAGIC_AT = 0;
    private static final int VERSION_AT = 8;
    private static final int CRC_AT = 12;
    private static final int KEY_HASH_AT = 16;
    private static final int SEQUENCE_AT = 24;
    private static final int CREATED_AT_AT = 32;
    public static final int KEY_LENGTH_AT = 40;
    /** The fixed part's size, where the key starts. */
    public static final int FIXED_SIZE = 48;

    /** Where the first record starts. */
    public int dataStart() {
        return (int) Frames.align(FIXED_SIZE + keyBytes.length);
    }

    public ByteBuffer encode() {
        ByteBuffer out = ByteBuffer.allocate(dataStart());
        out.put(MAGIC_AT, MAGIC).putInt(VERSION_AT, FORMAT_VERSION).putLong(KEY_HASH_AT, keyHash)
                .putLong(SEQUENCE_AT, sequence).putLong(CREATED_AT_AT, createdAt).putInt(KEY_LENGTH_AT, keyBytes.length)
                .put(FIXED_SIZE, keyBytes);
        out.putInt(CRC_AT, crc(out, FIXED_SIZE + keyBytes.length));
        return out;
    }

    private static int crc(ByteBuffer header, int end) {
        CRC32C crc = new CRC32C();
        Frames.updateRange(crc, header, 0, CRC_AT);
        Frames.updateRange(crc, header, CRC_AT + Integer.BYTES, end);
        return (int) crc.getValue();
    }

    /**
     * Reads and checks the header of {@code path}, whose name promised {@code expectedHash} and
     * {@code expectedSequence}.
     *
     * @throws FormatException when the header is damaged, cut short, of another version or of another file
     */
    public static SegmentHeader read(FileChannel channel, Path path, long expectedHash, long expectedSequence)
            throws IOException, FormatException {
        ByteBuffer fixed = ByteBuffer.allocate(FIXED_SIZE);
        readFully(channel, fixed, 0, path);
        if (!fixed.slice(MAGIC_AT, MAGIC.length).equals(ByteBuffer.wrap(MAGIC))) {
            throw corrupt(path, "does not start with the NANO-LOG magic");
        }
        int version = fixed.getInt(VERSION_AT);
        if (version != FORMAT_VERSION) {
            throw corrupt(path, "has format version " + version + "; this nano-wal reads version " + FORMAT_VERSION);
        }
        int keyLength = fixed.getInt(KEY_LENGTH_AT);
        if (keyLength < 0 || keyLength > Limits.MAX_KEY_BYTES) {
            throw corrupt(path, "declares a key of " + Integer.toUnsignedString(keyLength) + " bytes; the limit is "
                    + Limits.MAX_KEY_BYTES);
        }
        ByteBuffer whole = ByteBuffer.allocate(FIXED_SIZE + keyLength);
        whole.put(fixed.clear());
        readFully(channel, whole, FIXED_SIZE, path);
        if (crc(whole, FIXED_SIZE + keyLength) != whole.getInt(CRC_AT)) {
            throw corrupt(path, "has a segment header that fails its CRC32C");
        }
        byte[] keyBytes = new byte[keyLength];
        whole.get(FIXED_SIZE, keyBytes);
        long keyHash = whole.getLong(KEY_HASH_AT);
        long sequence = whole.getLong(SEQUENCE_AT);
        if (keyHash != expectedHash || sequence != expectedSequence || KeyNames.hash(keyBytes) != keyHash) {
            throw corrupt(path, "holds key hash " + Long.toHexString(keyHash) + " and sequence " + sequence
                    + ", which do not match its name or its key");
        }
        return new SegmentHeader(new String(keyBytes, StandardCharsets.UTF_8), keyBytes, keyHash, sequence,
                whole.getLong(CREATED_AT_AT));
    }

    /**
     * The key a segment header holds when the header fails its checks but its key length and key bytes are intact,
     * as proven by the key's hash matching {@code keyHash} (from the file name); null otherwise.
     */
    public static String keyMatching(FileChannel channel, long keyHash) throws IOException {
        ByteBuffer fixed = ByteBuffer.allocate(FIXED_SIZE);
        if (channel.read(fixed, 0) < FIXED_SIZE) {
            return null;
        }
        int keyLength = fixed.getInt(KEY_LENGTH_AT);
        if (keyLength < 0 || keyLength > Limits.MAX_KEY_BYTES) {
            return null;
        }
        ByteBuffer key = ByteBuffer.allocate(keyLength);
        while (key.hasRemaining()) {
            if (channel.read(key, FIXED_SIZE + key.position()) < 0) {
                return null;
            }
        }
        return KeyNames.hash(key.array()) == keyHash ? new String(key.array(), StandardCharsets.UTF_8) : null;
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position, Path path)
            throws IOException, FormatException {
        long at = position;
        while (into.hasRemaining()) {
            int read = channel.read(into, at);
            if (read < 0) {
                throw new FormatException("Segment file " + path + " is shorter than its segment header",
                        new EOFException());
            }
            at += read;
        }
    }

    private static FormatException corrupt(Path path, String problem) {
        return new FormatException("Segment file " + path + " " + problem);
    }
}
