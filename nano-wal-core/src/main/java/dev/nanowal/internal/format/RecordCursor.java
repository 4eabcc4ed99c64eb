package dev.nanowal.internal.format;

import dev.nanowal.internal.io.SegmentBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads a segment's records in order from a position, through a read-ahead buffer, checking each one.
 * Used for enumeration, for recovery scans and for finding valid records after a bad one. Never allocates
 * more than the read-ahead buffer unless a record's lengths fit inside the file.
 */
public final class RecordCursor {

    /** What {@link #next()} found at the current position. */
    public enum Kind {
        /** A valid record; its fields are in the cursor, and the position moved past it. */
        RECORD,
        /** A valid seal; its fields are in the cursor. */
        SEAL,
        /** The end of the file, or zero bytes: a clean end. */
        END,
        /** Bytes that are not a valid record; {@link #problem()} says why. */
        BAD
    }

    public static final int READ_AHEAD = 64 * 1024;
    /** The {@link #problem()} of bytes that do not start with a record's (or a seal's) magic. */
    public static final String NO_MAGIC = "no record magic";
    private static final byte[] NO_HEADER = new byte[0];

    private final SegmentBytes bytes;
    private final long keyHash;
    private final long sequence;
    private final long end;
    private final boolean materialize;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer scratch = ByteBuffer.allocate(Frames.CRC_PREFIX_SIZE);
    private final ByteBuffer crcPrefix;
    private final ByteBuffer window;
    private long windowStart;
    private long position;

    private long recordOffset;
    private int headerLength;
    private int contentLength;
    private long timestamp;
    private byte[] header;
    private byte[] content;
    private long sealEntries;
    private String problem;

    /**
     * @param end the position the cursor stops at (the file size, or a snapshot of a segment's end)
     * @param materialize whether records' header and content are copied out (false for scans)
     */
    public RecordCursor(SegmentBytes bytes, long keyHash, long sequence, long start, long end, boolean materialize) {
        this(bytes, keyHash, sequence, start, end, materialize, ByteBuffer.allocate(READ_AHEAD));
    }

    /**
     * @param window the read-ahead buffer, owned by this cursor while it is used; recovery passes one direct
     *     buffer to the cursors of every segment it scans in turn, which saves allocating (and zeroing) one per
     *     segment and lets the file reads land in it without the copy through a temporary direct buffer that a
     *     heap buffer costs
     */
    public RecordCursor(SegmentBytes bytes, long keyHash, long sequence, long start, long end, boolean materialize,
            ByteBuffer window) {
        this.window = window;
        this.bytes = bytes;
        this.keyHash = keyHash;
        this.sequence = sequence;
        this.crcPrefix = Frames.recordCrcPrefix(keyHash, sequence);
        this.position = start;
        this.end = end;
        this.materialize = materialize;
        this.windowStart = start;
        window.limit(0);
    }

    public long position() {
        return position;
    }

    public long recordOffset() {
        return recordOffset;
    }

    public long timestamp() {
        return timestamp;
    }

    public byte[] header() {
        return header;
    }

    public byte[] content() {
        return content;
    }

    public long sealEntries() {
        return sealEntries;
    }

    public String problem() {
        return problem;
    }

    /** Reads what is at the current position; moves past it only when it is a record. */
    public Kind next() throws IOException {
        Kind kind = readAt(position);
        if (kind == Kind.RECORD) {
            position = recordOffset + Frames.recordSize(headerLength, contentLength);
        }
        return kind;
    }

    /** Whether a valid record or seal starts at any 8-byte aligned position in {@code (from, end)}. */
    public boolean validFrameAfter(long from) throws IOException {
        return nextValidFrame(from) >= 0;
    }

    /**
     * Where the first valid record or seal at an 8-byte aligned position in {@code (from, end)} starts, or -1: how
     * a reader resynchronizes after damage. Frames delimit themselves (magic, lengths, and a CRC32C bound to the
     * key, segment and offset), so a frame found this way is one that was written there, not bytes that merely
     * look like one. Moves the cursor's fields; {@link #seek(long)} to read on from the result.
     */
    public long nextValidFrame(long from) throws IOException {
        for (long at = from + Frames.ALIGNMENT; at + Frames.RECORD_HEADER_SIZE <= end; at += Frames.ALIGNMENT) {
            if (!fill(at, Frames.MAGIC_SIZE)) {
                return -1;
            }
            int index = (int) (at - windowStart);
            boolean record = Frames.hasMagic(window, index, Frames.RECORD_MAGIC);
            if ((record || Frames.hasMagic(window, index, Frames.SEAL_MAGIC))) {
                Kind kind = readAt(at);
                if (kind == Kind.RECORD || kind == Kind.SEAL) {
                    return at;
                }
            }
        }
        return -1;
    }

    /** Moves the cursor to {@code at} (a frame found by {@link #nextValidFrame(long)}). */
    public void seek(long at) {
        position = at;
    }

    /** The path every record of a scan takes; the rare outcomes are built in methods of their own. */
    private Kind readAt(long at) throws IOException {
        recordOffset = at;
        header = null;
        content = null;
        if (!fill(at, Frames.RECORD_HEADER_SIZE)) {
            return shortHeader(at);
        }
        int index = (int) (at - windowStart);
        if (Frames.isZero(window, index)) {
            return Kind.END;
        }
        if (!Frames.hasRecordMagic(window, index)) {
            return Frames.hasSealMagic(window, index) ? readSeal(at) : bad(NO_MAGIC);
        }
        headerLength = Frames.headerLength(window, index);
        long declaredContent = Frames.contentLength(window, index);
        if (declaredContent > Limits.MAX_CONTENT_SIZE || at + Frames.RECORD_HEADER_SIZE + headerLength + declaredContent > end) {
            return badLengths(declaredContent);
        }
        contentLength = (int) declaredContent;
        int bodyLength = headerLength + contentLength;
        timestamp = Frames.timestamp(window, index);
        int recordSize = Frames.recordSize(headerLength, contentLength);
        if (recordSize > window.capacity()) {
            return readLargeRecord(at, bodyLength);
        }
        // Only the record's own bytes: a crash can leave a whole record without its padding at the end of the
        // file, which recovery keeps, so the segment's end can lie past the file's by the padding.
        if (!fill(at, Frames.RECORD_HEADER_SIZE + bodyLength)) {
            return bad("a record cut short by the end of the file");
        }
        index = (int) (at - windowStart);
        if (!Frames.recordCrcMatches(crc, crcPrefix, at, window, index, bodyLength)) {
            return bad("a CRC32C mismatch");
        }
        if (materialize) {
            int bodyAt = index + Frames.RECORD_HEADER_SIZE;
            content = new byte[contentLength];
            window.get(bodyAt + headerLength, content);
            if (headerLength == 0) {
                header = NO_HEADER;
            } else {
                header = new byte[headerLength];
                window.get(bodyAt, header);
            }
        }
        return Kind.RECORD;
    }

    /** Fewer than a record header's bytes at {@code at}: a clean end, or a header cut short. */
    private Kind shortHeader(long at) throws IOException {
        if (at >= end || !fill(at, 1) || Frames.isZero(window, (int) (at - windowStart))) {
            return Kind.END;
        }
        return bad("a partial record header (" + (end - at) + " bytes) at the end");
    }

    private Kind badLengths(long declaredContent) {
        if (declaredContent > Limits.MAX_CONTENT_SIZE) {
            return bad("a content length of " + declaredContent + " bytes, over the limit of " + Limits.MAX_CONTENT_SIZE);
        }
        return bad("lengths (header " + headerLength + ", content " + declaredContent
                + ") that run past the end of the segment at " + end);
    }

    /** A record larger than the read-ahead window: read on its own, its lengths already checked against the end. */
    private Kind readLargeRecord(long at, int bodyLength) throws IOException {
        ByteBuffer recordHeader = ByteBuffer.allocate(Frames.RECORD_HEADER_SIZE);
        ByteBuffer body = ByteBuffer.allocate(bodyLength);
        if (!readFully(recordHeader, at) || !readFully(body, at + Frames.RECORD_HEADER_SIZE)) {
            return bad("a record cut short by the end of the file");
        }
        if (!Frames.recordCrcMatches(crc, scratch, keyHash, sequence, at, recordHeader, 0, body, 0, bodyLength)) {
            return bad("a CRC32C mismatch");
        }
        if (materialize) {
            header = new byte[headerLength];
            content = new byte[contentLength];
            body.get(0, header);
            body.get(headerLength, content);
        }
        return Kind.RECORD;
    }

    private boolean readFully(ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (bytes.read(into, position + into.position()) < 0) {
                return false;
            }
        }
        return true;
    }

    private Kind readSeal(long at) throws IOException {
        if (!fill(at, Frames.SEAL_SIZE)) {
            return bad("a partial seal");
        }
        int index = (int) (at - windowStart);
        if (!Frames.sealCrcMatches(crc, scratch, keyHash, sequence, at, window, index)) {
            return bad("a seal whose CRC32C does not match");
        }
        sealEntries = window.getLong(index + Frames.SEAL_COUNT_AT);
        return Kind.SEAL;
    }

    private Kind bad(String why) {
        problem = why;
        return Kind.BAD;
    }

    /** Makes {@code [at, at + length)} available in the window; false when the file (or end) is shorter. */
    private boolean fill(long at, int length) throws IOException {
        if (at + length > end) {
            return false;
        }
        if (at >= windowStart && at + length <= windowStart + window.limit()) {
            return true;
        }
        window.clear();
        windowStart = at;
        int wanted = (int) Math.min(window.capacity(), end - at);
        window.limit(wanted);
        while (window.position() < length) {
            int read = bytes.read(window, at + window.position());
            if (read < 0) {
                break;
            }
        }
        window.limit(window.position());
        window.position(0);
        return window.limit() >= length;
    }
}
