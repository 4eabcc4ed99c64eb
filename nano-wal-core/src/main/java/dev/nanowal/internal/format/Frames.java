package dev.nanowal.internal.format;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The byte layout of records and seals, exactly as FORMAT.md draws it. The only code that knows where a
 * field sits inside a record.
 */
public final class Frames {

    public static final int RECORD_HEADER_SIZE = 24;
    public static final int SEAL_SIZE = 40;
    public static final int ALIGNMENT = 8;

    public static final byte[] RECORD_MAGIC = "NANORC".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] SEAL_MAGIC = "NANOSL".getBytes(StandardCharsets.US_ASCII);

    public static final int MAGIC_SIZE = 6;
    public static final int HEADER_LENGTH_AT = 6;
    public static final int CONTENT_LENGTH_AT = 8;
    public static final int CRC_AT = 12;
    public static final int TIMESTAMP_AT = 16;
    public static final int SEAL_COUNT_AT = 16;
    public static final int SEAL_OLDEST_AT = 24;
    public static final int SEAL_NEWEST_AT = 32;

    /** The CRC prefix: key hash, sequence and offset, which every record's and seal's CRC starts from. */
    public static final int CRC_PREFIX_SIZE = 3 * Long.BYTES;
    /** What a record's CRC covers before its bytes from the timestamp on: key hash, sequence, offset, bytes [0, 12). */
    public static final int RECORD_CRC_PREFIX_SIZE = CRC_PREFIX_SIZE + CRC_AT;

    /** The magics as the top 48 bits of a record's or seal's first 8 bytes, so one load checks one. */
    private static final long RECORD_MAGIC_BITS = magicBits(RECORD_MAGIC);
    private static final long SEAL_MAGIC_BITS = magicBits(SEAL_MAGIC);

    private Frames() {
    }

    private static final byte[] NO_HEADER = new byte[0];

    /** The header as stored: none (null) is an empty one. */
    public static byte[] headerOrNone(byte[] header) {
        return header == null ? NO_HEADER : header;
    }

    public static long align(long length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** The size of a record on disk, padding included. */
    public static int recordSize(int headerLength, int contentLength) {
        return (int) align((long) RECORD_HEADER_SIZE + headerLength + contentLength);
    }

    /** The CRC prefix: a record's or seal's CRC starts from where it must be: key hash, segment and offset. */
    public static void crcPrefix(CRC32C crc, ByteBuffer scratch, long keyHash, long sequence, long offset) {
        crc.reset();
        scratch.clear();
        scratch.putLong(keyHash).putLong(sequence).putLong(offset).flip();
        crc.update(scratch);
    }

    /**
     * Encodes the records and the seal of one segment. What the CRC covers before a record's header and
     * content (key hash, sequence and offset, then the record's bytes [0, 12) and its timestamp) is assembled
     * in one array, so that a record costs three CRC32C updates over plain arrays and no allocation.
     */
    public static final class Encoder {

        private static final int OFFSET_AT = 16;
        /** Where the frame's own bytes start in {@link #crcInput}, after the 24-byte CRC prefix. */
        private static final int FRAME_AT = CRC_PREFIX_SIZE;
        private static final int RECORD_CRC_INPUT = FRAME_AT + CRC_AT + Long.BYTES;
        private static final int SEAL_CRC_INPUT = FRAME_AT + CRC_AT + SEAL_SIZE - SEAL_COUNT_AT;

        private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
        private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

        // Plain array access (no ByteBuffer over it): with many keys, each object on the append path is one more
        // cache miss per append.
        private final CRC32C crc = new CRC32C();
        private final byte[] crcInput = new byte[SEAL_CRC_INPUT];

        public Encoder(long keyHash, long sequence) {
            LONGS.set(crcInput, 0, keyHash);
            LONGS.set(crcInput, Long.BYTES, sequence);
        }

        /**
         * Writes a whole record at the buffer's position, padding included; the buffer must have
         * {@link #recordSize} bytes left.
         */
        public void record(ByteBuffer out, long offset, long timestamp, byte[] header, byte[] content) {
            int start = out.position();
            recordHeader(out, offset, timestamp, header, content);
            out.put(header).put(content);
            padTo(out, start + recordSize(header.length, content.length));
        }

        /** Writes the 24-byte record header alone, for a record whose header and content are written separately. */
        public void recordHeader(ByteBuffer out, long offset, long timestamp, byte[] header, byte[] content) {
            // The frame's first 8 bytes (magic and header length) as one number, and the fields stored with
            // absolute puts: copying the 12 bytes from the CRC input instead took a fifth of a 100 B record's
            // encoding time (a small copy into a direct buffer is a call of its own).
            long magicAndLength = RECORD_MAGIC_BITS << Short.SIZE | header.length;
            LONGS.set(crcInput, OFFSET_AT, offset);
            LONGS.set(crcInput, FRAME_AT, magicAndLength);
            INTS.set(crcInput, FRAME_AT + CONTENT_LENGTH_AT, content.length);
            LONGS.set(crcInput, FRAME_AT + CRC_AT, timestamp);
            crc.reset();
            crc.update(crcInput, 0, RECORD_CRC_INPUT);
            if (header.length > 0) {
                crc.update(header);
            }
            crc.update(content);
            int at = out.position();
            out.putLong(at, magicAndLength)
                    .putInt(at + CONTENT_LENGTH_AT, content.length)
                    .putInt(at + CRC_AT, (int) crc.getValue())
                    .putLong(at + TIMESTAMP_AT, timestamp)
                    .position(at + RECORD_HEADER_SIZE);
        }

        /** Writes a seal at the buffer's position. */
        public void seal(ByteBuffer out, long offset, long entries, long oldest, long newest) {
            LONGS.set(crcInput, OFFSET_AT, offset);
            LONGS.set(crcInput, FRAME_AT, SEAL_MAGIC_BITS << Short.SIZE);
            INTS.set(crcInput, FRAME_AT + CONTENT_LENGTH_AT, 0);
            LONGS.set(crcInput, FRAME_AT + CRC_AT, entries);
            LONGS.set(crcInput, FRAME_AT + CRC_AT + Long.BYTES, oldest);
            LONGS.set(crcInput, FRAME_AT + CRC_AT + 2 * Long.BYTES, newest);
            crc.reset();
            crc.update(crcInput, 0, SEAL_CRC_INPUT);
            out.put(crcInput, FRAME_AT, CRC_AT).putInt((int) crc.getValue())
                    .put(crcInput, FRAME_AT + CRC_AT, SEAL_SIZE - SEAL_COUNT_AT);
        }
    }

    public static void padTo(ByteBuffer out, int position) {
        int at = out.position();
        if (at < position && at + Long.BYTES <= out.limit()) {
            // The padding is under 8 bytes: one 8-byte zero store, then skip to the end. Bytes past `position`
            // are free space of the buffer, overwritten by the next record before they are written out.
            out.putLong(at, 0L).position(position);
            return;
        }
        while (out.position() < position) {
            out.put((byte) 0);
        }
    }

    /** Whether the bytes at {@code at} hold the magic. */
    public static boolean hasMagic(ByteBuffer in, int at, byte[] magic) {
        for (int i = 0; i < MAGIC_SIZE; i++) {
            if (in.get(at + i) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether a record's magic is at {@code at}; needs 8 bytes there. */
    public static boolean hasRecordMagic(ByteBuffer in, int at) {
        return in.getLong(at) >>> 16 == RECORD_MAGIC_BITS;
    }

    /** Whether a seal's magic is at {@code at}; needs 8 bytes there. */
    public static boolean hasSealMagic(ByteBuffer in, int at) {
        return in.getLong(at) >>> 16 == SEAL_MAGIC_BITS;
    }

    private static long magicBits(byte[] magic) {
        return ByteBuffer.allocate(Long.BYTES).put(magic).getLong(0) >>> 16;
    }

    public static int headerLength(ByteBuffer in, int at) {
        return Short.toUnsignedInt(in.getShort(at + HEADER_LENGTH_AT));
    }

    /** The content length as stored, unsigned; may exceed {@link Limits#MAX_CONTENT_SIZE} when corrupt. */
    public static long contentLength(ByteBuffer in, int at) {
        return Integer.toUnsignedLong(in.getInt(at + CONTENT_LENGTH_AT));
    }

    public static int storedCrc(ByteBuffer in, int at) {
        return in.getInt(at + CRC_AT);
    }

    public static long timestamp(ByteBuffer in, int at) {
        return in.getLong(at + TIMESTAMP_AT);
    }

    /**
     * Checks the CRC of a record whose header is at {@code in[at, at + 24)} and whose header and content are
     * {@code body[bodyAt, bodyAt + H + C)} (the same buffer when the whole record is in memory).
     */
    public static boolean recordCrcMatches(CRC32C crc, ByteBuffer scratch, long keyHash, long sequence, long offset,
            ByteBuffer in, int at, ByteBuffer body, int bodyAt, int bodyLength) {
        crcPrefix(crc, scratch, keyHash, sequence, offset);
        updateRange(crc, in, at, at + CRC_AT);
        updateRange(crc, in, at + TIMESTAMP_AT, at + RECORD_HEADER_SIZE);
        updateRange(crc, body, bodyAt, bodyAt + bodyLength);
        return (int) crc.getValue() == storedCrc(in, at);
    }

    /**
     * A CRC prefix buffer for {@link #recordCrcMatches(CRC32C, ByteBuffer, long, ByteBuffer, int, int)} over the records
     * of one segment: the key hash and sequence are written here once, not per record.
     */
    public static ByteBuffer recordCrcPrefix(long keyHash, long sequence) {
        return ByteBuffer.allocate(RECORD_CRC_PREFIX_SIZE).putLong(0, keyHash).putLong(Long.BYTES, sequence);
    }

    /**
     * Checks the CRC of a record held whole in {@code in} at {@code at}, with {@code bodyLength} = H + C. The
     * CRC prefix and the record's first 12 bytes are fed as one run and everything from the timestamp on as another:
     * two CRC updates instead of four, which is what a short record's check costs.
     */
    public static boolean recordCrcMatches(CRC32C crc, ByteBuffer prefix, long offset, ByteBuffer in, int at, int bodyLength) {
        prefix.putLong(2 * Long.BYTES, offset).putLong(3 * Long.BYTES, in.getLong(at))
                .putInt(4 * Long.BYTES, in.getInt(at + Long.BYTES));
        crc.reset();
        crc.update(prefix.array(), 0, RECORD_CRC_PREFIX_SIZE);
        updateRange(crc, in, at + TIMESTAMP_AT, at + RECORD_HEADER_SIZE + bodyLength);
        return (int) crc.getValue() == storedCrc(in, at);
    }

    public static boolean sealCrcMatches(CRC32C crc, ByteBuffer scratch, long keyHash, long sequence, long offset,
            ByteBuffer in, int at) {
        crcPrefix(crc, scratch, keyHash, sequence, offset);
        updateRange(crc, in, at, at + CRC_AT);
        updateRange(crc, in, at + SEAL_COUNT_AT, at + SEAL_SIZE);
        return (int) crc.getValue() == storedCrc(in, at);
    }

    /** Whether the first byte is zero: no record or seal starts so, which makes zeros a clean end. */
    public static boolean isZero(ByteBuffer in, int at) {
        return in.get(at) == 0;
    }

    /** Feeds {@code buffer[from, to)} to the CRC, leaving the buffer's position and limit as they were. */
    public static void updateRange(CRC32C crc, ByteBuffer buffer, int from, int to) {
        if (buffer.hasArray()) {
            // heap buffers (read windows, the CRC prefix scratch): straight from the array, no position/limit juggling
            crc.update(buffer.array(), buffer.arrayOffset() + from, to - from);
            return;
        }
        int position = buffer.position();
        int limit = buffer.limit();
        buffer.limit(to).position(from);
        crc.update(buffer);
        buffer.limit(limit).position(position);
    }
}
