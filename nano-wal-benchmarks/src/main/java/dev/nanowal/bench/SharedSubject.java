package dev.nanowal.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The {@code shared} subject of W6, the ceiling for durable appends to many keys: every key's frames go to one
 * file, preallocated with zeros (and fsynced) beforehand, through a leader group commit. An appender queues its
 * frame; if no write is in progress it becomes the leader, takes everything queued, writes it in one positional
 * write and one {@code force(false)}, then wakes every waiter it covered. Whoever queued meanwhile is served by
 * the next leader. No timer: a lone appender pays one write and one fdatasync. The file is reused from its start
 * when a write would run past its end, as a recycled journal would be, so every fdatasync finds the file's size
 * and blocks unchanged. Frames are {@code [len][crc32c][key][payload]} (CRC32C over key and payload): what a
 * shared journal must at least record. No recovery, no per-key storage: what a real journal adds, it pays for.
 */
final class SharedSubject implements BenchLog {

    static final int FRAME_HEADER = 12;

    private final FileChannel channel;
    private final long size;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition written = lock.newCondition();
    private final CRC32C crc = new CRC32C();
    /** Frames queued for the next leader; swapped with {@link #writing} when a leader takes them. */
    private ByteBuffer queued = ByteBuffer.allocateDirect(RawSubject.BUFFER);
    private ByteBuffer writing = ByteBuffer.allocateDirect(RawSubject.BUFFER);
    private boolean leaderActive;
    private long queuedFrames;
    private long durableFrames;
    private long position;
    private long fsyncs;
    private RuntimeException failure;

    /** @param size bytes preallocated; more than one group's worth of frames */
    SharedSubject(Path dir, long size) {
        this.size = size;
        try {
            channel = FileChannel.open(dir.resolve("shared.log"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            RawSubject.preallocate(channel, size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void append(int key, byte[] payload) {
        throw new UnsupportedOperationException("the shared subject only measures durable appends (W6)");
    }

    @Override
    public void appendDurable(int key, byte[] payload) {
        lock.lock();
        try {
            queue(key, payload);
            long mine = ++queuedFrames;
            while (durableFrames < mine) {
                if (failure != null) {
                    throw failure;
                }
                if (leaderActive) {
                    written.awaitUninterruptibly();
                } else {
                    lead();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void queue(int key, byte[] payload) {
        int frame = FRAME_HEADER + payload.length;
        if (queued.remaining() < frame) {
            ByteBuffer grown = ByteBuffer.allocateDirect(Math.max(queued.capacity() * 2, queued.position() + frame));
            queued.flip();
            grown.put(queued);
            queued = grown;
        }
        int start = queued.position();
        queued.putInt(payload.length).putInt(0).putInt(key).put(payload);
        crc.reset();
        crc.update(queued.duplicate().position(start + 8).limit(queued.position()));
        queued.putInt(start + 4, (int) crc.getValue());
    }

    /** Called holding the lock with no leader active; releases it for the write and the fdatasync. */
    private void lead() {
        if (queued.position() > size) {
            failure = new IllegalStateException("A group of " + queued.position() + " bytes exceeds the " + size
                    + "-byte shared file");
            return;
        }
        leaderActive = true;
        ByteBuffer batch = queued;
        queued = writing;
        writing = batch;
        long upTo = queuedFrames;
        batch.flip();
        if (position + batch.remaining() > size) {
            position = 0;
        }
        long at = position;
        position += batch.remaining();
        lock.unlock();
        RuntimeException failed = null;
        try {
            while (batch.hasRemaining()) {
                at += channel.write(batch, at);
            }
            channel.force(false);
        } catch (IOException e) {
            failed = new UncheckedIOException(e);
        } finally {
            lock.lock();
        }
        batch.clear();
        leaderActive = false;
        if (failed != null) {
            failure = failed;
        } else {
            durableFrames = upTo;
            fsyncs++;
        }
        written.signalAll();
    }

    @Override
    public String observed() {
        lock.lock();
        try {
            return fsyncs == 0 ? null : String.format(Locale.ROOT, "%.1f appends per fsync",
                    (double) durableFrames / fsyncs);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void sync() {
        // every append is durable when it returns
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
