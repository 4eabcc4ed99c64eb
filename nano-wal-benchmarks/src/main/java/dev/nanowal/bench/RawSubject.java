package dev.nanowal.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The {@code raw} subject, the practical JVM ceiling: one file per key, {@code [len][crc32c][payload]} frames
 * (CRC32C over the payload, big-endian ints), a 64 KiB buffer, positional {@link FileChannel} writes. No
 * headers, no key check, no recovery metadata, no directory fsync: what nano-wal adds, it pays for.
 */
final class RawSubject {

    static final int FRAME_HEADER = 8;
    static final int BUFFER = 64 * 1024;
    /** More keys than this: files are opened per flush and closed again (bounded descriptors). */
    static final int KEEP_OPEN_MAX_KEYS = 1024;

    private RawSubject() {
    }

    enum Durable {
        /** Lock, write, {@code force(true)} per durable append: the plain fsync-per-append writer. */
        NAIVE,
        /** Like NAIVE with {@code force(false)}: lock, write, fdatasync per durable append (W6's {@code naive}). */
        DATASYNC,
        /** Like NAIVE on a file preallocated with zeros (and fsynced) beforehand, with {@code force(false)}. */
        PREALLOCATED,
        /** Lock + write, then a leader/follower fsync: one {@code force(true)} serves every waiter. */
        GROUP
    }

    /** Writes {@code bytes} zeros from the file's start and fsyncs them: blocks allocated, size final. */
    static void preallocate(FileChannel channel, long bytes) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(BUFFER);
        for (long at = 0; at < bytes; ) {
            zeros.clear().limit((int) Math.min(BUFFER, bytes - at));
            at += channel.write(zeros, at);
        }
        channel.force(true);
    }

    static Path file(Path dir, int key) {
        return dir.resolve("raw-" + key + ".log");
    }

    /** One key's file. */
    static final class RawFile {
        final Path path;
        final boolean keepOpen;
        final CRC32C crc = new CRC32C();
        final ReentrantLock syncLock = new ReentrantLock();
        FileChannel channel;
        ByteBuffer buffer;
        long position;
        volatile long durable;

        RawFile(Path path, boolean keepOpen) {
            this.path = path;
            this.keepOpen = keepOpen;
            // The 64 KiB buffer comes with the first append, as nano-wal's does: allocating it here put the
            // page faults of 1,000 new direct buffers (W5) outside the timed appends for raw only.
            this.buffer = keepOpen ? ByteBuffer.allocateDirect(0) : ByteBuffer.allocate(256);
        }

        void put(byte[] payload) {
            int size = FRAME_HEADER + payload.length;
            if (buffer.remaining() < size) {
                if (keepOpen && buffer.capacity() == 0) {
                    buffer = ByteBuffer.allocateDirect(BUFFER);
                } else if (!keepOpen && buffer.capacity() < BUFFER) {
                    ByteBuffer grown = ByteBuffer.allocate(Math.min(BUFFER, Math.max(buffer.capacity() * 2,
                            buffer.position() + size)));
                    buffer.flip();
                    grown.put(buffer);
                    buffer = grown;
                } else {
                    flush();
                }
            }
            crc.reset();
            crc.update(payload);
            buffer.putInt(payload.length).putInt((int) crc.getValue()).put(payload);
        }

        void flush() {
            if (buffer.position() == 0) {
                return;
            }
            buffer.flip();
            try {
                FileChannel file = channel();
                while (buffer.hasRemaining()) {
                    position += file.write(buffer, position);
                }
                buffer.clear();
                if (!keepOpen) {
                    closeChannel();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void force(boolean metadata) {
            try {
                buffer.flip();
                FileChannel file = channel();
                while (buffer.hasRemaining()) {
                    position += file.write(buffer, position);
                }
                buffer.clear();
                file.force(metadata);
                if (!keepOpen) {
                    closeChannel();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        FileChannel channel() throws IOException {
            if (channel == null) {
                channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
            }
            return channel;
        }

        void closeChannel() throws IOException {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
    }

    static final class Log implements BenchLog {
        private final RawFile[] files;
        private final Durable mode;

        /** @param preallocate bytes to preallocate per file in {@link Durable#PREALLOCATED} mode */
        Log(Path dir, int keys, Durable mode, long preallocate) {
            this.mode = mode;
            this.files = new RawFile[keys];
            boolean keepOpen = keys <= KEEP_OPEN_MAX_KEYS;
            for (int i = 0; i < keys; i++) {
                files[i] = new RawFile(file(dir, i), keepOpen);
                if (mode == Durable.PREALLOCATED) {
                    try {
                        RawSubject.preallocate(files[i].channel(), preallocate);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }

        @Override
        public void append(int key, byte[] payload) {
            files[key].put(payload);
        }

        @Override
        public void appendDurable(int key, byte[] payload) {
            RawFile file = files[key];
            if (mode == Durable.GROUP) {
                long end;
                synchronized (file) {
                    file.put(payload);
                    file.flush();
                    end = file.position;
                }
                groupSync(file, end);
            } else {
                synchronized (file) {
                    file.put(payload);
                    file.force(mode == Durable.NAIVE);
                }
            }
        }

        private static void groupSync(RawFile file, long end) {
            if (file.durable >= end) {
                return;
            }
            file.syncLock.lock();
            try {
                if (file.durable >= end) {
                    return;
                }
                long target;
                FileChannel channel;
                synchronized (file) {
                    target = file.position;
                    channel = file.channel();
                }
                channel.force(true);
                file.durable = target;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                file.syncLock.unlock();
            }
        }

        @Override
        public void sync() {
            for (RawFile file : files) {
                if (file.keepOpen ? file.channel != null || file.buffer.position() > 0 : file.buffer.position() > 0) {
                    file.force(false);
                }
            }
        }

        @Override
        public void close() {
            for (RawFile file : files) {
                try {
                    file.flush();
                    file.closeChannel();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** R1/R2 for raw: one file; a sequential scan checks every CRC, a random read is two preads + CRC. */
    static final class Reader implements ReadSubject {
        private final FileChannel channel;
        private final long[] offsets;
        private final long end;
        private final CRC32C crc = new CRC32C();
        private final ByteBuffer head = ByteBuffer.allocate(FRAME_HEADER);
        private final ByteBuffer scan = ByteBuffer.allocateDirect(BUFFER);

        Reader(Path dir, int records, byte[] payload) {
            RawFile file = new RawFile(file(dir, 0), true);
            offsets = new long[records];
            for (int i = 0; i < records; i++) {
                offsets[i] = file.position + file.buffer.position();
                if (file.buffer.remaining() < FRAME_HEADER + payload.length) {
                    file.flush();
                    offsets[i] = file.position;
                }
                file.put(payload);
            }
            file.force(false);
            end = file.position;
            try {
                file.closeChannel();
                channel = FileChannel.open(file.path, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public long scanAll() {
            long bytes = 0;
            long at = 0;
            scan.clear().flip();
            try {
                while (at < end) {
                    if (scan.remaining() < FRAME_HEADER) {
                        refill(at);
                    }
                    int length = scan.getInt(scan.position());
                    if (scan.remaining() < FRAME_HEADER + length) {
                        refill(at);
                    }
                    int stored = scan.getInt(scan.position() + 4);
                    scan.position(scan.position() + FRAME_HEADER);
                    byte[] out = new byte[length];
                    scan.get(out);
                    crc.reset();
                    crc.update(out);
                    if ((int) crc.getValue() != stored) {
                        throw new IllegalStateException("CRC mismatch at " + at);
                    }
                    at += FRAME_HEADER + length;
                    bytes += length;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes;
        }

        private void refill(long at) throws IOException {
            scan.clear();
            long from = at;
            while (scan.hasRemaining() && from < end) {
                int read = channel.read(scan, from);
                if (read < 0) {
                    break;
                }
                from += read;
            }
            scan.flip();
        }

        @Override
        public byte[] readAt(int i) {
            try {
                long at = offsets[i];
                head.clear();
                while (head.hasRemaining()) {
                    channel.read(head, at + head.position());
                }
                int length = head.getInt(0);
                byte[] out = new byte[length];
                ByteBuffer body = ByteBuffer.wrap(out);
                while (body.hasRemaining()) {
                    channel.read(body, at + FRAME_HEADER + body.position());
                }
                crc.reset();
                crc.update(out);
                if ((int) crc.getValue() != head.getInt(4)) {
                    throw new IllegalStateException("CRC mismatch at " + at);
                }
                return out;
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

    /**
     * O1 for raw: open every key's file, scan all frames checking each CRC (raw has no seal, so everything is
     * tail), cut at the first bad frame, and append one record.
     */
    static long reopenAndAppend(Path dir, int keys, byte[] payload) {
        long cut = 0;
        CRC32C crc = new CRC32C();
        ByteBuffer scan = ByteBuffer.allocateDirect(4 * BUFFER);
        for (int key = 0; key < keys; key++) {
            try (FileChannel channel = FileChannel.open(file(dir, key), StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                long size = channel.size();
                long valid = 0;
                scan.clear().flip();
                while (true) {
                    if (scan.remaining() < FRAME_HEADER
                            || scan.remaining() < FRAME_HEADER + Math.max(0, scan.getInt(scan.position()))) {
                        scan.clear();
                        while (scan.hasRemaining() && channel.read(scan, valid + scan.position()) > 0) {
                            // fill
                        }
                        scan.flip();
                    }
                    if (scan.remaining() < FRAME_HEADER) {
                        break;
                    }
                    int length = scan.getInt(scan.position());
                    if (length <= 0 || scan.remaining() < FRAME_HEADER + length) {
                        break;
                    }
                    int stored = scan.getInt(scan.position() + 4);
                    int filled = scan.limit();
                    int body = scan.position() + FRAME_HEADER;
                    scan.limit(body + length).position(body);
                    crc.reset();
                    crc.update(scan);
                    scan.limit(filled);
                    if ((int) crc.getValue() != stored) {
                        break;
                    }
                    valid += FRAME_HEADER + length;
                }
                if (valid < size) {
                    channel.truncate(valid);
                    cut += size - valid;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        RawFile first = new RawFile(file(dir, 0), true);
        try {
            first.position = first.channel().size();
            first.put(payload);
            first.flush();
            first.closeChannel();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cut;
    }
}
