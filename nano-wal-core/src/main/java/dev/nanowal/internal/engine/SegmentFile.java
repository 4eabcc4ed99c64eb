package dev.nanowal.internal.engine;

import dev.nanowal.WalClosedException;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalIOException;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A segment's file and its place in the open-file cap: the channel (opened again after the cap closed it), the
 * pins that keep it open through an fsync or a read, positional writes, truncation, and the zeros preallocated
 * after the data ({@link Preallocation}). It knows nothing of records, buffers or durability: {@link Segment}
 * and its {@link SegmentWriter} decide what to write where.
 *
 * <p>Every method is called with the owning key's lock held. The cap ({@link OpenFiles}) counts the file for
 * its {@code owner}, the segment, whose eviction also returns the segment's write buffer.
 */
final class SegmentFile {

    private final Path path;
    private final Storage storage;
    private final OpenFiles openFiles;
    private final WalEvents events;
    private final OpenFiles.OpenFile owner;
    private final Preallocation preallocation;
    private FileChannel channel;
    private int pins;
    private boolean deleted;
    private volatile long lastUsed;

    /** @param fileEnd the file's size now */
    SegmentFile(Path path, WalContext context, OpenFiles.OpenFile owner, long dataStart, long fileEnd) {
        this.path = path;
        this.storage = context.storage();
        this.openFiles = context.openFiles();
        this.events = context.events();
        this.owner = owner;
        this.preallocation = new Preallocation(path, dataStart, context.options().maxSegmentSize(), fileEnd);
    }

    /** Takes the channel that created the file as the open file. */
    void adopt(FileChannel file) {
        channel = file;
        lastUsed = openFiles.tick();
        openFiles.opened(owner);
        if (openFiles.isClosed()) {
            // the WAL closed meanwhile and may have closed every file already
            close();
        }
    }

    /** When the file was last used, by the cap's clock. */
    long lastUsed() {
        return lastUsed;
    }

    /** The open channel, opened again when the cap (or an interrupt) closed it. */
    FileChannel channel() {
        if (channel == null || !channel.isOpen()) {
            if (channel != null) {
                openFiles.closed(owner);
            }
            if (openFiles.isClosed()) {
                throw new WalClosedException("The WAL is closed");
            }
            if (deleted) {
                throw new WalEntryNotFoundException("Segment " + path.getFileName() + " was deleted by compaction");
            }
            try {
                channel = storage.openForWrite(path);
            } catch (IOException e) {
                throw events.writeFailed(new WalIOException("Could not open segment " + path, e));
            }
            lastUsed = openFiles.tick();
            openFiles.opened(owner);
        } else {
            lastUsed = openFiles.tick();
        }
        return channel;
    }

    /** The open channel, kept open until {@link #unpin()}: the cap does not close a pinned file. */
    FileChannel pin() {
        FileChannel file = channel();
        pins++;
        return file;
    }

    void unpin() {
        pins--;
    }

    /** Whether the cap may close the file now: it is open and nobody pinned it. */
    boolean isIdle() {
        return channel != null && pins == 0;
    }

    /**
     * Writes the parts at {@code at}; returns where they end. On failure the parts are rewound. The caller sets
     * its interrupt status aside ({@link Interrupts}) around this and the cut of a partial write that follows a
     * failure.
     */
    long write(ByteBuffer[] parts, long at) throws IOException {
        FileChannel file = channel();
        long end = at;
        try {
            for (ByteBuffer part : parts) {
                while (part.hasRemaining()) {
                    end += file.write(part, end);
                }
            }
        } catch (IOException e) {
            for (ByteBuffer part : parts) {
                part.rewind();
            }
            throw e;
        }
        preallocation.written(end);
        return end;
    }

    /** Whether the file is still at its path (false when the WAL directory was deleted under the open WAL). */
    boolean isLinked() {
        return storage.exists(path);
    }

    /** Cuts the file at {@code end}. */
    void truncate(long end) throws IOException {
        channel().truncate(end);
        preallocation.truncated(end);
    }

    /** Keeps zeros preallocated ahead of {@code flushed} for the fsync about to run. */
    void preallocate(long flushed) {
        preallocation.extend(channel(), flushed);
    }

    /** Cuts the preallocated zeros after {@code flushed}, if any. */
    void trim(long flushed) {
        preallocation.trim(channel(), flushed);
    }

    /** Closes the file (the cap evicts it, or the WAL closes), cutting the zeros after {@code flushed} first. */
    void closeTrimmed(long flushed) {
        if (channel != null && channel.isOpen()) {
            preallocation.trim(channel, flushed);
        }
        close();
    }

    void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            System.getLogger(WalEngine.LOGGER).log(System.Logger.Level.WARNING, "Closing " + path + " failed", e);
        }
        channel = null;
        openFiles.closed(owner);
    }

    /** Closes and deletes the file; it is never opened again. */
    void delete() throws IOException {
        deleted = true;
        close();
        storage.delete(path);
    }
}
