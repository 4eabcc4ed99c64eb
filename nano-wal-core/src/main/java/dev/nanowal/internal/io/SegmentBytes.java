package dev.nanowal.internal.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A segment's bytes as a reader sees them: the file, followed by a copy of write-buffer bytes that could not
 * be flushed (the disk is full). Acknowledged entries stay readable while writes fail.
 */
public final class SegmentBytes {

    private final FileChannel file;
    private final long tailStart;
    private final ByteBuffer tail;

    private SegmentBytes(FileChannel file, long tailStart, ByteBuffer tail) {
        this.file = file;
        this.tailStart = tailStart;
        this.tail = tail;
    }

    public static SegmentBytes of(FileChannel file) {
        return new SegmentBytes(file, Long.MAX_VALUE, null);
    }

    /** The file up to {@code tailStart}, then {@code tail} (may be null for none). */
    public static SegmentBytes of(FileChannel file, long tailStart, ByteBuffer tail) {
        return tail == null ? of(file) : new SegmentBytes(file, tailStart, tail.asReadOnlyBuffer());
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
