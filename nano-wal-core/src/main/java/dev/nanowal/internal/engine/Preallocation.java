package dev.nanowal.internal.engine;

import dev.nanowal.internal.io.Interrupts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The zeros a segment keeps written ahead of its data for durable appends (FORMAT.md, "Preallocation"), so
 * that their fsyncs find the file's size and blocks unchanged and flush data alone (an fdatasync that skips
 * the journal). Tracks the file's size; the owning {@link SegmentFile} calls it under its key's lock.
 */
final class Preallocation {

    /**
     * Extensions are as large as the data so far, within these bounds, so the zeros never take much more disk
     * than the data does: many keys with a few durable appends each cost a block each, not a megabyte.
     */
    private static final int MIN_EXTENSION = 4 * 1024;
    private static final int MAX_EXTENSION = 1024 * 1024;
    /** Extensions end on a multiple of this: a file system block, allocated whole anyway. */
    private static final int BLOCK = 4 * 1024;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();
    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final Path path;
    private final long dataStart;
    private final long maxSize;
    /** The file's size: the flushed bytes, then any zeros preallocated after them. */
    private long fileEnd;
    private boolean failed;

    Preallocation(Path path, long dataStart, long maxSize, long fileEnd) {
        this.path = path;
        this.dataStart = dataStart;
        this.maxSize = maxSize;
        this.fileEnd = fileEnd;
    }

    /** Records that data was written up to {@code end}, which may have grown the file. */
    void written(long end) {
        fileEnd = Math.max(fileEnd, end);
    }

    /** Records that the file was truncated at {@code end}. */
    void truncated(long end) {
        fileEnd = end;
    }

    /**
     * Makes sure zeros follow {@code flushed}, writing the next extension when fewer than half of one are
     * left; the fsync about to run makes it durable with the data. A failure (a full disk) only costs the
     * speed-up, so it is logged, undone, and not tried again in this segment.
     */
    void extend(FileChannel file, long flushed) {
        long extension = Math.min(MAX_EXTENSION, Math.max(MIN_EXTENSION, flushed - dataStart));
        long target = Math.min((flushed + extension + BLOCK - 1) / BLOCK * BLOCK, maxSize);
        if (failed || fileEnd >= flushed + extension / 2 || target <= fileEnd) {
            return;
        }
        ByteBuffer zeros = ZEROS.duplicate();
        long at = fileEnd;
        boolean interrupted = Interrupts.setAside();
        try {
            while (at < target) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), target - at));
                while (zeros.hasRemaining()) {
                    at += file.write(zeros, at);
                }
            }
            fileEnd = target;
        } catch (IOException e) {
            failed = true;
            LOG.log(System.Logger.Level.WARNING, "Could not preallocate " + path + " up to " + target
                    + "; durable appends there continue without preallocation", e);
            trim(file, flushed);
        } finally {
            Interrupts.restore(interrupted);
        }
    }

    /** Cuts the zeros after {@code flushed}, if any. */
    void trim(FileChannel file, long flushed) {
        if (fileEnd <= flushed) {
            return;
        }
        boolean interrupted = Interrupts.setAside();
        try {
            file.truncate(flushed);
            fileEnd = flushed;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Could not cut the zeros after offset " + flushed + " of " + path
                    + "; the next open cuts them", e);
        } finally {
            Interrupts.restore(interrupted);
        }
    }
}
