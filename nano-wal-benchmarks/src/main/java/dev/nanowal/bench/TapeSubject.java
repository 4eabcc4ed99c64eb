package dev.nanowal.bench;

import com.squareup.tape2.QueueFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Square Tape's {@link QueueFile}: one file per key. Every {@code add} is durable (Tape writes through a
 * {@code "rwd"} RandomAccessFile), so it only fits the durable workloads. Not thread-safe: adds are serialised
 * per file.
 */
final class TapeSubject implements BenchLog {

    private final QueueFile[] files;

    TapeSubject(Path dir, int keys) {
        files = new QueueFile[keys];
        try {
            for (int i = 0; i < keys; i++) {
                files[i] = new QueueFile.Builder(dir.resolve("tape-" + i).toFile()).build();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void append(int key, byte[] payload) {
        appendDurable(key, payload);
    }

    @Override
    public void appendDurable(int key, byte[] payload) {
        QueueFile file = files[key];
        synchronized (file) {
            try {
                file.add(payload);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void sync() {
        // every add is already durable
    }

    @Override
    public void close() {
        try {
            for (QueueFile file : files) {
                file.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
