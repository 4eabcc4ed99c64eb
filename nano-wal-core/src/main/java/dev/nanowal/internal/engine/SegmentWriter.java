package dev.nanowal.internal.engine;

import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.io.Interrupts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A segment's write buffer and the writes that hand it to its file: records and the seal encoded into the buffer,
 * a full buffer written in whole windows, a record larger than the buffer written on its own, a partial write cut
 * off again, the bytes the file lacks copied out for the commit journal or a reader, and the buffer taken from the
 * open-file cap ({@link OpenFiles}) and given back to it. Its {@link Segment} decides what is appended where, and
 * publishes it to readers; this only encodes and writes. Bytes below {@link #flushed()} are in the file, the buffer
 * holds the rest up to the segment's end.
 *
 * <p>Every method but {@link #flushed()} is called with the owning key's lock held (the segment's). The flushed
 * position is volatile, so that readers and syncs compare it with the segment's end without the lock.
 */
final class SegmentWriter {

    /** The page size of the file system's cache: the smallest window a full write buffer is written in. */
    private static final int PAGE_SIZE = 4096;

    private final Segment segment;
    private final SegmentFile file;
    private final OpenFiles openFiles;
    private final WalEvents events;
    private final boolean writeThrough;
    private final BackgroundSyncs backgroundSyncs;
    private final long backgroundSyncSize;
    /** Where the file ended when a background fsync was last asked for. */
    private long backgroundSyncAsked;
    private final Frames.Encoder encoder;
    private ByteBuffer buffer;
    private long bufferedEntries;
    private long flushedEntries;
    private volatile long flushedPosition;

    /** @param end where the segment's file ends, after its {@code entries} entries: nothing is buffered yet */
    SegmentWriter(Segment segment, SegmentHeader header, SegmentFile file, WalContext context, long end,
            long entries) {
        this.segment = segment;
        this.file = file;
        this.openFiles = context.openFiles();
        this.events = context.events();
        this.writeThrough = context.options().writeBufferSize() == 0;
        this.backgroundSyncs = context.backgroundSyncs();
        this.backgroundSyncSize = context.options().backgroundSyncSize();
        this.backgroundSyncAsked = end;
        this.encoder = new Frames.Encoder(header.keyHash(), header.sequence());
        this.flushedPosition = end;
        this.flushedEntries = entries;
    }

    /** Where the bytes in the file end; the write buffer holds the rest up to the segment's end. */
    long flushed() {
        return flushedPosition;
    }

    /** How many entries the file holds whole, as of the last write of the whole buffer. */
    long flushedEntries() {
        return flushedEntries;
    }

    /**
     * Writes one record at {@code offset}, the segment's end: into the write buffer, or on its own when larger than
     * the buffer. On failure nothing of this record is written or buffered.
     *
     * @param handOver whether the record must reach the file before this returns ({@link Segment#append})
     */
    void appendLocked(long offset, long timestamp, byte[] recordHeader, byte[] content, int size, boolean handOver) {
        takeBufferLocked();
        if (size <= buffer.capacity()) {
            makeRoomLocked(size);
            int start = buffer.position();
            encoder.record(buffer, offset, timestamp, recordHeader, content);
            bufferedEntries++;
            if (writeThrough || handOver) {
                try {
                    flushLocked();
                } catch (WalException e) {
                    buffer.position(start);
                    bufferedEntries--;
                    throw e;
                }
            }
        } else {
            flushLocked();
            writeLargeLocked(offset, timestamp, recordHeader, content, size);
        }
    }

    /**
     * Whether a run's next record, {@code size} bytes, goes into the buffer by {@link #bufferRunRecordLocked}: a
     * buffer is taken, the record fits in it, and records are not written through. Otherwise the run appends it on
     * its own ({@link #appendLocked}).
     */
    boolean fitsRunLocked(int size) {
        return buffer != null && size <= buffer.capacity() && !writeThrough;
    }

    /**
     * Encodes a run's record at {@code offset} into the buffer, making room first; the run counts its records once,
     * at its end ({@link #countRunLocked}).
     */
    void bufferRunRecordLocked(long offset, long timestamp, byte[] recordHeader, byte[] content, int size) {
        makeRoomLocked(size);
        encoder.record(buffer, offset, timestamp, recordHeader, content);
    }

    /** Counts the {@code records} a run encoded into the buffer. */
    void countRunLocked(long records) {
        bufferedEntries += records;
    }

    /**
     * Writes the seal at {@code offset}, the segment's end, and hands it to the operating system (not fsynced), so a
     * process crash keeps it; on failure it is not left in the buffer.
     */
    void sealLocked(long offset, long entries, long oldest, long newest) {
        takeBufferLocked();
        if (buffer.remaining() < Frames.SEAL_SIZE) {
            flushLocked();
        }
        int start = buffer.position();
        encoder.seal(buffer, offset, entries, oldest, newest);
        try {
            flushLocked();
        } catch (WalException e) {
            buffer.position(start);
            throw e;
        }
    }

    private void takeBufferLocked() {
        if (buffer == null) {
            // open the file first: only segments holding a file count against the cap, and eviction is
            // what returns buffers, so a buffer without a file would never be given back
            file.channel();
            buffer = openFiles.takeBuffer();
        }
    }

    /** Makes room for {@code size} bytes, at most the buffer's capacity: a window written, else the whole buffer. */
    private void makeRoomLocked(int size) {
        if (buffer.remaining() < size) {
            flushWindowLocked();
            if (buffer.remaining() < size) {
                flushLocked();
            }
        }
    }

    private void writeLargeLocked(long offset, long timestamp, byte[] recordHeader, byte[] content, int size) {
        ByteBuffer head = ByteBuffer.allocate(Frames.RECORD_HEADER_SIZE);
        encoder.recordHeader(head, offset, timestamp, recordHeader, content);
        head.flip();
        ByteBuffer padding = ByteBuffer.allocate(size - Frames.RECORD_HEADER_SIZE - recordHeader.length - content.length);
        writeLocked(new ByteBuffer[] {head, ByteBuffer.wrap(recordHeader), ByteBuffer.wrap(content), padding});
        flushedEntries++;
    }

    /**
     * Makes room in a full write buffer: writes it up to its last boundary of a <em>window</em> in the file (the
     * largest power of two of at most half the buffer: 32 KiB for the default one, 64 KiB and an eighth, so that
     * its writes cover two windows, see {@link OpenFiles#takeBuffer()}) and keeps the rest, usually part of one
     * record, at its start for the next write. So every write but a segment's first covers whole windows at
     * window-aligned offsets, which the page cache keeps in large folios: the raw writer's loop wrote 100 B records
     * 1.22x as fast so in 32 KiB windows, 1.30x in 64 KiB ones, the final fsync included, as with writes of whole
     * records at the offsets they end at (which also write each write's last page twice). A crash between the two
     * writes leaves a torn record at the end of the file, as a crash during any write can; the record was not
     * durable, and opening cuts it without an fsync ({@code KeyRecovery}).
     */
    private void flushWindowLocked() {
        int window = Integer.highestOneBit(buffer.capacity() / 2);
        if (window < PAGE_SIZE) {
            return;
        }
        int filled = buffer.position();
        int whole = filled - (int) ((flushedPosition + filled) % window);
        if (whole < window / 2) {
            return;
        }
        buffer.limit(whole).position(0);
        try {
            writeLocked(new ByteBuffer[] {buffer});
        } catch (WalException e) {
            buffer.limit(buffer.capacity()).position(filled);
            throw e;
        }
        buffer.limit(filled).position(whole);
        buffer.compact();
    }

    /** Hands the write buffer to the operating system; on failure the buffer keeps its bytes for a retry. */
    void flushLocked() {
        if (buffer == null || buffer.position() == 0) {
            return;
        }
        buffer.flip();
        try {
            writeLocked(new ByteBuffer[] {buffer});
        } catch (WalException e) {
            int filled = buffer.limit();
            buffer.limit(buffer.capacity()).position(filled);
            throw e;
        }
        buffer.clear();
        flushedEntries += bufferedEntries;
        bufferedEntries = 0;
    }

    /** Writes the parts at the flushed position; a partial write is cut off again before failing. */
    private void writeLocked(ByteBuffer[] parts) {
        long end;
        boolean interrupted = Interrupts.setAside();
        try {
            end = file.write(parts, flushedPosition);
        } catch (IOException e) {
            discardPartialWriteLocked();
            throw events.writeFailed(new WalIOException("Could not write to segment " + segment.path(), e));
        } finally {
            Interrupts.restore(interrupted);
        }
        flushedPosition = end;
        if (backgroundSyncSize > 0 && end - Math.max(backgroundSyncAsked, segment.fsyncedPosition())
                >= backgroundSyncSize) {
            backgroundSyncAsked = end;
            backgroundSyncs.request(segment);
        }
    }

    private void discardPartialWriteLocked() {
        try {
            file.truncate(flushedPosition);
        } catch (IOException | WalException e) {
            segment.markFailed();
            System.getLogger(WalEngine.LOGGER).log(System.Logger.Level.ERROR, "Could not cut a partial write "
                    + "from " + segment.path() + " at " + flushedPosition + "; the key continues in a new segment", e);
        }
    }

    /**
     * The bytes {@code [from, to)}, for a range handed to the journal: the file's part read back, the write buffer's
     * copied.
     */
    byte[] copyLocked(long from, long to) {
        byte[] out = new byte[(int) (to - from)];
        long flushed = flushedPosition;
        if (from < flushed) {
            ByteBuffer part = ByteBuffer.wrap(out, 0, (int) (Math.min(to, flushed) - from));
            boolean interrupted = Interrupts.setAside();
            try {
                FileChannel channel = file.channel();
                while (part.hasRemaining()) {
                    if (channel.read(part, from + part.position()) < 0) {
                        throw new IOException("end of file at " + (from + part.position()));
                    }
                }
            } catch (IOException e) {
                throw events.writeFailed(new WalIOException("Could not read back the unsynced bytes of segment "
                        + segment.path() + " for the commit journal", e));
            } finally {
                Interrupts.restore(interrupted);
            }
        }
        if (to > flushed) {
            long start = Math.max(from, flushed);
            buffer.get((int) (start - flushed), out, (int) (start - from), (int) (to - start));
        }
        return out;
    }

    /**
     * Flushes the write buffer for a reader; when the disk refuses, returns a copy of the buffered bytes instead,
     * so acknowledged entries stay readable while writes fail. Null when the file holds them all.
     */
    ByteBuffer flushForReadingLocked() {
        try {
            flushLocked();
        } catch (WalIOException e) {
            ByteBuffer copy = ByteBuffer.allocate(buffer.position());
            copy.put(0, buffer, 0, buffer.position());
            return copy;
        }
        return null;
    }

    /** Drops the buffered bytes, which no one may read any more (the segment is being deleted). */
    void discardLocked() {
        if (buffer != null) {
            buffer.clear();
            bufferedEntries = 0;
        }
        releaseBufferLocked();
    }

    /** Gives the buffer back to the cap when it is empty; one holding bytes a write refused keeps them for a retry. */
    void releaseBufferLocked() {
        if (buffer != null && buffer.position() == 0) {
            openFiles.returnBuffer(buffer);
            buffer = null;
        }
    }
}
