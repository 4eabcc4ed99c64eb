package dev.nanowal;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * Self-describing test contents: the first 16 bytes hold an id and the length, the rest is a pseudo-random
 * function of the id, so any entry read back can be checked on its own and regenerated exactly from its id.
 */
final class TestPayloads {

    static final int MIN_LENGTH = 16;

    private TestPayloads() {
    }

    static byte[] content(long id, int length) {
        if (length < MIN_LENGTH) {
            throw new IllegalArgumentException("length must be at least " + MIN_LENGTH);
        }
        byte[] bytes = new byte[length];
        ByteBuffer.wrap(bytes).putLong(id).putInt(length).putInt(~length);
        fill(bytes, MIN_LENGTH, id * 31 + 7);
        return bytes;
    }

    /** A header (may be empty) that is a function of the id. */
    static byte[] header(long id, int length) {
        byte[] bytes = new byte[length];
        fill(bytes, 0, id * 17 + 3);
        return bytes;
    }

    private static void fill(byte[] bytes, int from, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int i = from;
        while (i + 8 <= bytes.length) {
            long value = random.nextLong();
            for (int b = 0; b < 8; b++) {
                bytes[i++] = (byte) (value >>> (8 * b));
            }
        }
        while (i < bytes.length) {
            bytes[i++] = (byte) random.nextInt();
        }
    }

    /** The id a content carries, after checking that the whole content is exactly what that id generates. */
    static long checkedId(byte[] content) {
        if (content.length < MIN_LENGTH) {
            throw new AssertionError("content of " + content.length + " bytes is too short to be a test payload");
        }
        ByteBuffer in = ByteBuffer.wrap(content);
        long id = in.getLong();
        int length = in.getInt();
        int inverted = in.getInt();
        if (length != content.length || inverted != ~length) {
            throw new AssertionError("content of id " + id + " declares length " + length + " but has " + content.length
                    + " bytes");
        }
        if (!java.util.Arrays.equals(content, content(id, length))) {
            throw new AssertionError("content of id " + id + " differs from what was written");
        }
        return id;
    }

    static long crc(byte[] header, byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(header);
        crc.update(content);
        return crc.getValue();
    }
}
