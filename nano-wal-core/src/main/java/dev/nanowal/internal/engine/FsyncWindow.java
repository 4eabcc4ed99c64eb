package dev.nanowal.internal.engine;

import dev.nanowal.FsyncLatency;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;

/**
 * The durations of the WAL's last {@link FsyncLatency#KEPT} fsyncs (segment fsyncs and journal commits), each with
 * the time it finished by the WAL's clock: a ring, so a slow disk shows in the window's p99 and drops out of it once
 * it recovers. Thread-safe; a record costs a lock that one fsync (tens of microseconds at the least) dwarfs.
 */
final class FsyncWindow {

    private final Clock clock;
    private final long[] finishedAt = new long[FsyncLatency.KEPT];
    private final long[] nanos = new long[FsyncLatency.KEPT];
    private int next;
    private int size;

    FsyncWindow(Clock clock) {
        this.clock = clock;
    }

    synchronized void record(long durationNanos) {
        finishedAt[next] = clock.millis();
        nanos[next] = durationNanos;
        next = (next + 1) % nanos.length;
        size = Math.min(size + 1, nanos.length);
    }

    FsyncLatency over(Duration window) {
        long since = clock.millis() - window.toMillis();
        long[] within = new long[nanos.length];
        int count = 0;
        synchronized (this) {
            for (int i = 0; i < size; i++) {
                if (finishedAt[i] >= since) {
                    within[count++] = nanos[i];
                }
            }
        }
        if (count == 0) {
            return new FsyncLatency(window, 0, Duration.ZERO, Duration.ZERO);
        }
        Arrays.sort(within, 0, count);
        int rank = (int) Math.ceil(0.99 * count) - 1;
        return new FsyncLatency(window, count, Duration.ofNanos(within[rank]), Duration.ofNanos(within[count - 1]));
    }
}
