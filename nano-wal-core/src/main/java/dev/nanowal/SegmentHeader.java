package dev.nanowal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** The header at the start of every segment file (FORMAT.md, "Segment header"). */
record SegmentHeader(String key, byte[] keyBytes, long keyHash, long sequence, long createdAt) {

    static final byte[] MAGIC = "NANO-LOG".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;
    private static final int FIXED_SIZE = 48;
    private static final int CRC_AT = 12;

    /** Where the first record starts. */
    int dataStart() {
        return (int) Frames.align(FIXED_SIZE + keyBytes.length);
    }

    ByteBuffer encode() {
        ByteBuffer out = ByteBuffer.allocate(dataStart());
        out.put(MAGIC).putInt(FORMAT_VERSION).putInt(0).putLong(keyHash).putLong(sequence).putLong(createdAt)
                .putInt(keyBytes.length).putInt(0).put(keyBytes);
        out.putInt(CRC_AT, crc(out, FIXED_SIZE + keyBytes.length));
        out.clear();
        return out;
    }

    private static int crc(ByteBuffer header, int end) {
        CRC32C crc = new CRC32C();
        Frames.updateRange(crc, header, 0, CRC_AT);
        Frames.updateRange(crc, header, CRC_AT + 4, end);
        return (int) crc.getValue();
    }

    /**
     * Reads and checks the header of {@code path}, whose name promised {@code expectedHash} and
     * {@code expectedSequence}.
     */
    static SegmentHeader read(FileChannel channel, Path path, long expectedHash, long expectedSequence)
            throws IOException {
        ByteBuffer fixed = ByteBuffer.allocate(FIXED_SIZE);
        readFully(channel, fixed, 0, path);
        if (!Frames.hasMagic(fixed, 0, MAGIC) || fixed.get(6) != MAGIC[6] || fixed.get(7) != MAGIC[7]) {
            throw corrupt(path, "does not start with the NANO-LOG magic");
        }
        int version = fixed.getInt(8);
        if (version != FORMAT_VERSION) {
            throw corrupt(path, "has format version " + version + "; this nano-wal reads version " + FORMAT_VERSION);
        }
        int keyLength = fixed.getInt(40);
        if (keyLength < 0 || keyLength > Wal.MAX_KEY_BYTES) {
            throw corrupt(path, "declares a key of " + Integer.toUnsignedString(keyLength) + " bytes; the limit is "
                    + Wal.MAX_KEY_BYTES);
        }
        ByteBuffer whole = ByteBuffer.allocate(FIXED_SIZE + keyLength);
        whole.put(fixed.clear());
        readFully(channel, whole, FIXED_SIZE, path);
        if (crc(whole, FIXED_SIZE + keyLength) != whole.getInt(CRC_AT)) {
            throw corrupt(path, "has a segment header that fails its CRC32C");
        }
        byte[] keyBytes = new byte[keyLength];
        whole.get(FIXED_SIZE, keyBytes);
        long keyHash = whole.getLong(16);
        long sequence = whole.getLong(24);
        if (keyHash != expectedHash || sequence != expectedSequence || KeyNames.hash(keyBytes) != keyHash) {
            throw corrupt(path, "holds key hash " + Long.toHexString(keyHash) + " and sequence " + sequence
                    + ", which do not match its name or its key");
        }
        return new SegmentHeader(new String(keyBytes, StandardCharsets.UTF_8), keyBytes, keyHash, sequence,
                whole.getLong(32));
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position, Path path) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int read = channel.read(into, at);
            if (read < 0) {
                throw corrupt(path, "is shorter than its segment header", new EOFException());
            }
            at += read;
        }
    }

    private static WalCorruptionException corrupt(Path path, String problem) {
        return new WalCorruptionException("Segment file " + path + " " + problem);
    }

    private static WalCorruptionException corrupt(Path path, String problem, Throwable cause) {
        return new WalCorruptionException("Segment file " + path + " " + problem, cause);
    }
}
