package dev.nanowal.internal.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The bytes of the {@code nanowal.extents} file: how far each segment was promised durable (FORMAT.md, "How far
 * each segment is durable"):
 *
 * <pre>
 *  0  magic "NANO-EXT"   8 bytes
 *  8  version            int32 = 1
 * 12  CRC32C             int32, over [0, 12) and [16, 24 + 24 n)
 * 16  n                  int64: the number of segments listed
 * 24  n times: key hash int64, sequence number int64, durable end int64
 * </pre>
 */
public final class DurableExtentsFile {

    public static final String FILE_NAME = "nanowal.extents";
    private static final byte[] MAGIC = "NANO-EXT".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int VERSION_AT = 8;
    private static final int CRC_AT = 12;
    private static final int COUNT_AT = 16;
    private static final int FIXED_SIZE = 24;
    private static final int ENTRY_SIZE = 24;

    /** One segment, by the two numbers its {@code EntryRef}s carry. */
    public record SegmentId(long keyHash, long sequence) {
    }

    private DurableExtentsFile() {
    }

    /** The durable end of each segment the file's bytes list. */
    public static Map<SegmentId, Long> decode(byte[] bytes) throws FormatException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        long count = bytes.length >= FIXED_SIZE ? in.getLong(COUNT_AT) : -1;
        if (count < 0 || count > (bytes.length - FIXED_SIZE) / ENTRY_SIZE
                || bytes.length != FIXED_SIZE + count * ENTRY_SIZE
                || !in.slice(0, MAGIC.length).equals(ByteBuffer.wrap(MAGIC)) || in.getInt(VERSION_AT) != VERSION
                || crc(in) != in.getInt(CRC_AT)) {
            throw new FormatException("is damaged (expected NANO-EXT, version " + VERSION + ", " + ENTRY_SIZE
                    + " bytes per segment, with a matching CRC32C)");
        }
        Map<SegmentId, Long> extents = new HashMap<>((int) count * 2);
        for (int at = FIXED_SIZE; at < bytes.length; at += ENTRY_SIZE) {
            extents.put(new SegmentId(in.getLong(at), in.getLong(at + 8)), in.getLong(at + 16));
        }
        return extents;
    }

    /** The file's bytes for {@code extents}. */
    public static ByteBuffer encode(Map<SegmentId, Long> extents) {
        ByteBuffer out = ByteBuffer.allocate(FIXED_SIZE + extents.size() * ENTRY_SIZE);
        out.put(0, MAGIC).putInt(VERSION_AT, VERSION).putLong(COUNT_AT, extents.size());
        int at = FIXED_SIZE;
        for (Map.Entry<SegmentId, Long> extent : extents.entrySet()) {
            out.putLong(at, extent.getKey().keyHash()).putLong(at + 8, extent.getKey().sequence())
                    .putLong(at + 16, extent.getValue());
            at += ENTRY_SIZE;
        }
        out.putInt(CRC_AT, crc(out));
        return out;
    }

    private static int crc(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        Frames.updateRange(crc, bytes, 0, CRC_AT);
        Frames.updateRange(crc, bytes, CRC_AT + Integer.BYTES, bytes.capacity());
        return (int) crc.getValue();
    }
}
