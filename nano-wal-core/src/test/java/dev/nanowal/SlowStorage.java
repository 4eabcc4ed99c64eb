package dev.nanowal;

import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link Storage} whose fsyncs ({@code force}) take at least a set latency, as a stalling disk's do: a slow disk
 * for the health tests, shared with the other modules' tests through nano-wal-core's test jar. Test-only.
 */
public final class SlowStorage extends Storage implements FaultyChannel.Hooks {

    private volatile long latencyNanos;

    /** Every fsync from now on takes at least {@code latency} longer; zero makes them fast again. */
    public void latency(Duration latency) {
        this.latencyNanos = latency.toNanos();
    }

    /** Opens a WAL whose file I/O goes through this storage. */
    public Wal open(Path directory, WalOptions options) {
        return Wal.open(directory, options, this);
    }

    @Override
    public FileChannel openForWrite(Path path) throws IOException {
        return new FaultyChannel(super.openForWrite(path), path, this);
    }

    @Override
    public FileChannel createNew(Path path) throws IOException {
        return new FaultyChannel(super.createNew(path), path, this);
    }

    @Override
    public void force(Path path, FileChannel real, boolean metaData) throws IOException {
        real.force(metaData);
        long until = System.nanoTime() + latencyNanos;
        for (long left = latencyNanos; left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
