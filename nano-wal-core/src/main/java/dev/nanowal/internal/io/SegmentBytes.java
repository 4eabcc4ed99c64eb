package dev.nanowal.internal.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Map;
import java.util.NavigableMap;

/**
 * A segment's bytes as a reader sees them: the file, followed by a copy of write-buffer bytes that could not
 * be flushed (the disk is full), so acknowledged entries stay readable while writes fail; or, for a read-only
 * view, the file with the commit journal's ranges of it laid over it (bytes durable in the journal that the
 * writer has not written to the segment yet).
 */
public final class SegmentBytes {

    private final FileChannel file;
    private final long tailStart;
    private final ByteBuffer tail;
    /** Ranges read elsewhere, by offset, not overlapping; null for none. */
    private final NavigableMap<Long, ByteBuffer> ranges;

    private SegmentBytes(FileChannel file, long tailStart, ByteBuffer tail, NavigableMap<Long, ByteBuffer> ranges) {
        this.file = file;
        this.tailStart = tailStart;
        this.tail = tail;
        this.ranges = ranges;
    }

    public static SegmentBytes of(FileChannel file) {
        return new SegmentBytes(file, Long.MAX_VALUE, null, null);
    }

    /**
     * The file with {@code ranges} laid over it: each buffer (from its position to its limit) holds the bytes at
     * its key's offset; the ranges must not overlap. Where no range lies, the file's bytes show.
     */
    public static SegmentBytes overlaid(FileChannel file, NavigableMap<Long, ByteBuffer> ranges) {
        return ranges.isEmpty() ? of(file) : new SegmentBytes(file, Long.MAX_VALUE, null, ranges);
    }

    /** The file up to {@code tailStart}, then {@code tail} (may be null for none). */
    public static SegmentBytes of(FileChannel file, long tailStart, ByteBuffer tail) {
        return tail == null ? of(file) : new SegmentBytes(file, tailStart, tail.asReadOnlyBuffer(), null);
    }

    /** Like {@link FileChannel#read(ByteBuffer, long)}: reads some bytes at {@code position}, or returns -1 at the end. */
    public int read(ByteBuffer into, long position) throws IOException {
        boolean interrupted = Interrupts.setAside();
        try {
            return readUninterrupted(into, position);
        } finally {
            Interrupts.restore(interrupted);
        }
    }

    private int readUninterrupted(ByteBuffer into, long position) throws IOException {
        if (ranges != null) {
            return readOverlaid(into, position);
        }
        if (position >= tailStart) {
            long inTail = position - tailStart;
            if (inTail >= tail.limit()) {
                return -1;
            }
            int count = (int) Math.min(into.remaining(), tail.limit() - inTail);
            into.put(into.position(), tail, (int) inTail, count);
            into.position(into.position() + count);
            return count;
        }
        if (tail == null || position + into.remaining() <= tailStart) {
            return file.read(into, position);
        }
        int limit = into.limit();
        into.limit(into.position() + (int) (tailStart - position));
        try {
            return file.read(into, position);
        } finally {
            into.limit(limit);
        }
    }

    private int readOverlaid(ByteBuffer into, long position) throws IOException {
        Map.Entry<Long, ByteBuffer> below = ranges.floorEntry(position);
        if (below != null && position < below.getKey() + below.getValue().remaining()) {
            ByteBuffer range = below.getValue();
            int count = (int) Math.min(into.remaining(), below.getKey() + range.remaining() - position);
            into.put(into.position(), range, range.position() + (int) (position - below.getKey()), count);
            into.position(into.position() + count);
            return count;
        }
        Long next = ranges.higherKey(position);
        if (next == null || position + into.remaining() <= next) {
            return file.read(into, position);
        }
        int limit = into.limit();
        into.limit(into.position() + (int) (next - position));
        try {
            return file.read(into, position);
        } finally {
            into.limit(limit);
        }
    }

    /** Fills {@code into} from {@code position}; false when the bytes end first. */
    public boolean readFully(ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (read(into, position + into.position()) < 0) {
                return false;
            }
        }
        return true;
    }
}
