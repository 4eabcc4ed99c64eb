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
public final class SlowStorage extends HookedStorage {

    private final Latency latency;

    public SlowStorage() {
        this(new Latency());
    }

    private SlowStorage(Latency latency) {
        super(latency);
        this.latency = latency;
    }

    /** Every fsync from now on takes at least {@code extra} longer; zero makes them fast again. */
    public void latency(Duration extra) {
        latency.nanos = extra.toNanos();
    }

    /** Opens a WAL whose file I/O goes through this storage. */
    public Wal open(Path directory, WalOptions options) {
        return Wal.open(directory, options, this);
    }

    private static final class Latency implements FaultyChannel.Hooks {
        private volatile long nanos;

        @Override
        public void force(Path path, FileChannel real, boolean metaData) throws IOException {
            real.force(metaData);
            long added = nanos;
            long until = System.nanoTime() + added;
            for (long left = added; left > 0; left = until - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }
    }
}
