package dev.nanowal.bench;

import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.SegmentHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The {@code raw-frame} subject of W1 and W1B: the raw writer's loop (one file, a 64 KiB direct buffer, positional
 * writes) writing nano-wal's own records, encoded by the core's {@link Frames.Encoder}: the 24-byte frame, the
 * CRC32C over key hash, segment, offset, frame and payload, the padding to 8 bytes, and written as the engine
 * writes a full buffer: up to its last 32 KiB window boundary, the rest kept for the next write, from a buffer as
 * large as the engine's, after a segment header as the engine's file has. No lock, no key lookup, no rotation, no
 * reference returned. What a writer of nano-wal's format cannot go below on this disk, so that
 * {@code raw-frame} vs {@code raw} is what the format costs and {@code nano-wal} vs {@code raw-frame} what the engine
 * around it costs.
 */
final class FrameFloorSubject implements BenchLog {

    private static final byte[] NO_HEADER = new byte[0];
    /** The engine's window for its default 64 KiB buffer (Segment.flushWindowLocked). */
    private static final int WINDOW = RawSubject.BUFFER / 2;

    private final FileChannel channel;
    /** The engine's buffer for the default size: an eighth more (OpenFiles.takeBuffer). */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(RawSubject.BUFFER + RawSubject.BUFFER / 8);
    private final Frames.Encoder encoder = new Frames.Encoder(0x5eedL, 1);
    private long written;
    private long timestamp;

    FrameFloorSubject(Path dir, int keys) {
        if (keys != 1) {
            throw new IllegalArgumentException("raw-frame writes one key, not " + keys);
        }
        try {
            channel = FileChannel.open(dir.resolve("frames.log"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            // a segment's header first, as the engine's file starts, so that the records sit at the same offsets
            byte[] key = KeyNames.utf8(NanoWalSubject.keys(1)[0]);
            ByteBuffer header = new SegmentHeader(NanoWalSubject.keys(1)[0], key, KeyNames.hash(key), 1,
                    System.currentTimeMillis()).encode();
            while (header.hasRemaining()) {
                written += channel.write(header, written);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        timestamp = System.currentTimeMillis();
    }

    @Override
    public void append(int key, byte[] payload) {
        int size = Frames.recordSize(0, payload.length);
        if (buffer.remaining() < size) {
            flushWindows();
            // one clock read per buffer: nano-wal reads it per append, or per batch in W1B
            timestamp = System.currentTimeMillis();
        }
        encoder.record(buffer, written + buffer.position(), timestamp, NO_HEADER, payload);
    }

    /** Writes the buffer up to its last window boundary in the file and keeps the rest at its start. */
    private void flushWindows() {
        int filled = buffer.position();
        int whole = filled - (int) ((written + filled) % WINDOW);
        buffer.limit(whole).position(0);
        try {
            while (buffer.hasRemaining()) {
                written += channel.write(buffer, written);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buffer.limit(filled);
        buffer.compact();
    }

    private void flush() {
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                written += channel.write(buffer, written);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buffer.clear();
    }

    @Override
    public void appendDurable(int key, byte[] payload) {
        throw new UnsupportedOperationException("raw-frame takes part in the buffered workloads only");
    }

    @Override
    public void sync() {
        flush();
        try {
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
