package dev.nanowal.internal.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The bytes and the file name of a cursor file, one per cursor name and key, holding the cursor's committed
 * position (FORMAT.md, "Cursor files"):
 *
 * <pre>
 *  0  magic "NANO-CUR"   8 bytes
 *  8  version            int32 = 1
 * 12  CRC32C             int32, over [0, 12) and [16, 56 + N + K)
 * 16  key hash           int64, of the key bytes below
 * 24  sequence number    int64  \
 * 32  offset             int64  / the committed entry's EntryRef, with the key hash
 * 40  committed at       int64, epoch milliseconds by the WAL's clock
 * 48  name length N      uint16
 * 50  key length K       uint16
 * 52  reserved           int32 = 0
 * 56  name               N bytes, US-ASCII
 * 56+N key               K bytes, UTF-8
 * </pre>
 */
public final class CursorFormat {

    /** The longest cursor name, in characters. */
    public static final int MAX_NAME_LENGTH = 64;
    public static final String PREFIX = "nanowal-cursor-";
    public static final String SUFFIX = ".pos";
    private static final byte[] MAGIC = "NANO-CUR".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int MAGIC_AT = 0;
    private static final int VERSION_AT = 8;
    private static final int CRC_AT = 12;
    private static final int KEY_HASH_AT = 16;
    private static final int SEQUENCE_AT = 24;
    private static final int OFFSET_AT = 32;
    private static final int COMMITTED_AT = 40;
    private static final int NAME_LENGTH_AT = 48;
    private static final int KEY_LENGTH_AT = 50;
    private static final int RESERVED_AT = 52;
    private static final int NAME_AT = 56;
    private static final int HASH_DIGITS = 16;

    private CursorFormat() {
    }

    /** What a cursor file holds. */
    public record Position(String name, String key, long keyHash, long sequence, long offset, long committedAt) {
    }

    /**
     * Checks a cursor name: 1 to {@value #MAX_NAME_LENGTH} letters, digits, '.', '_' or '-' (it is part of a file
     * name).
     *
     * @throws IllegalArgumentException naming the problem and the limit
     */
    public static String checkName(String name) {
        if (name == null) {
            throw new NullPointerException("cursor name must not be null");
        }
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("A cursor name is 1 to " + MAX_NAME_LENGTH + " characters; '"
                    + (name.length() > MAX_NAME_LENGTH ? name.substring(0, MAX_NAME_LENGTH) + "...'" : name + "'")
                    + " is " + name.length());
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-')) {
                throw new IllegalArgumentException("Cursor name '" + name + "' has the character '" + c + "' at "
                        + i + "; a cursor name holds only letters, digits, '.', '_' and '-' (up to "
                        + MAX_NAME_LENGTH + ")");
            }
        }
        return name;
    }

    /** The file of cursor {@code name} on the key with {@code keyHash}. */
    public static String fileName(String name, long keyHash) {
        String hex = Long.toHexString(keyHash);
        return PREFIX + name + '-' + "0".repeat(HASH_DIGITS - hex.length()) + hex + SUFFIX;
    }

    /** Whether the name is a cursor file's (not its temporary companion's). */
    public static boolean isCursorFile(String fileName) {
        return fileName.startsWith(PREFIX) && fileName.endsWith(SUFFIX)
                && fileName.length() > PREFIX.length() + 1 + HASH_DIGITS + SUFFIX.length();
    }

    public static ByteBuffer encode(Position position) {
        byte[] name = position.name().getBytes(StandardCharsets.US_ASCII);
        byte[] key = KeyNames.utf8(position.key());
        ByteBuffer out = ByteBuffer.allocate(NAME_AT + name.length + key.length);
        out.put(MAGIC_AT, MAGIC).putInt(VERSION_AT, VERSION).putLong(KEY_HASH_AT, position.keyHash())
                .putLong(SEQUENCE_AT, position.sequence()).putLong(OFFSET_AT, position.offset())
                .putLong(COMMITTED_AT, position.committedAt()).putShort(NAME_LENGTH_AT, (short) name.length)
                .putShort(KEY_LENGTH_AT, (short) key.length).putInt(RESERVED_AT, 0)
                .put(NAME_AT, name).put(NAME_AT + name.length, key);
        out.putInt(CRC_AT, crc(out));
        return out;
    }

    /** The position a cursor file's bytes hold, checked against its name. */
    public static Position decode(String fileName, byte[] bytes) throws FormatException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length < NAME_AT || !in.slice(MAGIC_AT, MAGIC.length).equals(ByteBuffer.wrap(MAGIC))
                || in.getInt(VERSION_AT) != VERSION) {
            throw new FormatException("is not a cursor file of version " + VERSION + " (expected at least " + NAME_AT
                    + " bytes starting with NANO-CUR)");
        }
        int nameLength = Short.toUnsignedInt(in.getShort(NAME_LENGTH_AT));
        int keyLength = Short.toUnsignedInt(in.getShort(KEY_LENGTH_AT));
        if (bytes.length != NAME_AT + nameLength + keyLength || crc(in) != in.getInt(CRC_AT)) {
            throw new FormatException("is damaged (its lengths or its CRC32C do not match its " + bytes.length
                    + " bytes)");
        }
        String name = new String(bytes, NAME_AT, nameLength, StandardCharsets.US_ASCII);
        byte[] keyBytes = new byte[keyLength];
        in.get(NAME_AT + nameLength, keyBytes);
        long keyHash = in.getLong(KEY_HASH_AT);
        if (KeyNames.hash(keyBytes) != keyHash || !fileName(name, keyHash).equals(fileName)) {
            throw new FormatException("holds cursor '" + name + "' of key hash " + Long.toHexString(keyHash)
                    + ", which does not match its key or its file name");
        }
        return new Position(name, new String(keyBytes, StandardCharsets.UTF_8), keyHash, in.getLong(SEQUENCE_AT),
                in.getLong(OFFSET_AT), in.getLong(COMMITTED_AT));
    }

    private static int crc(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        Frames.updateRange(crc, bytes, 0, CRC_AT);
        Frames.updateRange(crc, bytes, CRC_AT + Integer.BYTES, bytes.capacity());
        return (int) crc.getValue();
    }
}
