package dev.nanowal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * A {@link FileChannel} that hands every write, force and truncate to {@link Hooks} (which may fail it, cut
 * it short or record it) and delegates everything else to a real channel. Test-only: the seam that
 * {@link FaultyStorage} and {@link CrashStorage} use to get between the WAL and the disk.
 */
final class FaultyChannel extends FileChannel {

    /** What happens to the mutating calls. The defaults pass them straight through. */
    interface Hooks {
        default int write(Path path, FileChannel real, ByteBuffer src, long position) throws IOException {
            return real.write(src, position);
        }

        default void force(Path path, FileChannel real, boolean metaData) throws IOException {
            real.force(metaData);
        }

        default void truncate(Path path, FileChannel real, long size) throws IOException {
            real.truncate(size);
        }
    }

    private final FileChannel real;
    private final Path path;
    private final Hooks hooks;

    FaultyChannel(FileChannel real, Path path, Hooks hooks) {
        this.real = real;
        this.path = path;
        this.hooks = hooks;
    }

    Path path() {
        return path;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return real.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return real.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return real.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        long at = real.position();
        int written = write(src, at);
        real.position(at + written);
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            while (srcs[i].hasRemaining()) {
                total += write(srcs[i]);
            }
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return hooks.write(path, real, src, position);
    }

    @Override
    public long position() throws IOException {
        return real.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        real.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return real.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        hooks.truncate(path, real, size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        hooks.force(path, real, metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(count, 64 * 1024));
        long done = 0;
        while (done < count) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), count - done));
            int read = real.read(chunk, position + done);
            if (read <= 0) {
                break;
            }
            chunk.flip();
            while (chunk.hasRemaining()) {
                target.write(chunk);
            }
            done += read;
        }
        return done;
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(count, 64 * 1024));
        long done = 0;
        while (done < count) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), count - done));
            int read = src.read(chunk);
            if (read <= 0) {
                break;
            }
            chunk.flip();
            while (chunk.hasRemaining()) {
                done += write(chunk, position + done);
            }
        }
        return done;
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new UnsupportedOperationException("the WAL must never map its files (SIGBUS on a full disk)");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return real.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return real.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        real.close();
    }
}
