package dev.nanowal.internal.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The bytes of the {@code nanowal.meta} file: the lowest sequence number the WAL may still allocate
 * (FORMAT.md, "nanowal.meta"):
 *
 * <pre>
 *  0  magic "NANO-MET"   8 bytes
 *  8  version            int32 = 1
 * 12  CRC32C             int32, over [0, 12) and [16, 24)
 * 16  sequence floor     int64
 * </pre>
 */
public final class SequenceFloor {

    public static final String FILE_NAME = "nanowal.meta";
    /** The floor when the file does not exist: no sequence number was ever given up. */
    public static final long NONE = 1;
    private static final byte[] MAGIC = "NANO-MET".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int MAGIC_AT = 0;
    private static final int VERSION_AT = 8;
    private static final int CRC_AT = 12;
    private static final int FLOOR_AT = 16;
    private static final int SIZE = 24;

    private SequenceFloor() {
    }

    /** The floor the file's bytes hold. */
    public static long decode(byte[] bytes) throws FormatException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length != SIZE || !in.slice(MAGIC_AT, MAGIC.length).equals(ByteBuffer.wrap(MAGIC))
                || in.getInt(VERSION_AT) != VERSION || crc(in) != in.getInt(CRC_AT)) {
            throw new FormatException("is damaged (expected " + SIZE + " bytes starting with NANO-MET, version "
                    + VERSION + ", with a matching CRC32C)");
        }
        return in.getLong(FLOOR_AT);
    }

    /** The file's bytes for {@code floor}. */
    public static ByteBuffer encode(long floor) {
        ByteBuffer out = ByteBuffer.allocate(SIZE);
        out.put(MAGIC_AT, MAGIC).putInt(VERSION_AT, VERSION).putLong(FLOOR_AT, floor);
        out.putInt(CRC_AT, crc(out));
        return out;
    }

    private static int crc(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        Frames.updateRange(crc, bytes, 0, CRC_AT);
        Frames.updateRange(crc, bytes, CRC_AT + Integer.BYTES, SIZE);
        return (int) crc.getValue();
    }
}
