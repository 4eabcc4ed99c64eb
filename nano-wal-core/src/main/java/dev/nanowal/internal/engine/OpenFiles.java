package dev.nanowal.internal.engine;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps the segment files held open. When a segment opens a file past the cap, the least recently used idle
 * segments close theirs (flushing their write buffers first); a segment busy in another thread is skipped,
 * so eviction never waits and never deadlocks. Also pools the direct write buffers of active segments, so
 * memory is bounded by the cap, not by the number of keys.
 */
final class OpenFiles {

    /** Write-through segments still encode into a buffer, written out after each record. */
    private static final int MIN_BUFFER_SIZE = 64 * 1024;

    private final int max;
    private final int lowWater;
    private final int bufferSize;

    /** What the cap needs of a file it holds open (a segment's): when it was last used, and closing it. */
    interface OpenFile {

        long lastUsed();

        /** Closes the file if no one uses it right now; never waits. */
        void closeIfIdle();

        /** Closes the file whoever uses it (the WAL is closing). */
        void closeFile();
    }

    private final Set<OpenFile> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong();
    private final ArrayDeque<ByteBuffer> buffers = new ArrayDeque<>();
    private volatile boolean closed;

    OpenFiles(int max, int bufferSize) {
        this.max = max;
        this.lowWater = max - Math.max(1, max / 8);
        this.bufferSize = Math.max(bufferSize, MIN_BUFFER_SIZE);
    }

    long tick() {
        return clock.incrementAndGet();
    }

    int count() {
        return count.get();
    }

    /** Records that {@code segment} opened its file, closing idle ones if that passes the cap. */
    void opened(OpenFile segment) {
        if (open.add(segment) && count.incrementAndGet() > max) {
            evictDownTo(lowWater, segment);
        }
    }

    void closed(OpenFile segment) {
        if (open.remove(segment)) {
            count.decrementAndGet();
        }
    }

    /** A segment and when it was last used, read once: other threads keep using segments during a sort. */
    private record Candidate(OpenFile segment, long lastUsed) {
    }

    private void evictDownTo(int target, OpenFile keep) {
        // Sorting by the live lastUsed would compare values that change mid-sort, which breaks TimSort's
        // contract ("Comparison method violates its general contract!"), so sort a snapshot.
        List<Candidate> candidates = new ArrayList<>(open.size());
        for (OpenFile segment : open) {
            candidates.add(new Candidate(segment, segment.lastUsed()));
        }
        candidates.sort(Comparator.comparingLong(Candidate::lastUsed));
        for (Candidate candidate : candidates) {
            if (count.get() <= target) {
                return;
            }
            if (candidate.segment() != keep) {
                candidate.segment().closeIfIdle();
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Closes every file (on WAL close), whether idle or not; none opens again. */
    void closeAll() {
        closed = true;
        for (OpenFile segment : new ArrayList<>(open)) {
            segment.closeFile();
        }
    }

    ByteBuffer takeBuffer() {
        synchronized (buffers) {
            ByteBuffer buffer = buffers.poll();
            if (buffer != null) {
                return buffer;
            }
        }
        // An eighth more than the buffer size: a full buffer is written up to its last window boundary (see
        // SegmentWriter), and with the slack that write covers two whole 32 KiB windows of the default 64 KiB, at
        // 64 KiB-aligned offsets, instead of one window and a copy of the other half to the buffer's start. The
        // raw writer's loop with nano-wal's records and a segment's header ran 1.12x as fast so (83 vs 93 ms CPU
        // per 1M x 100 B).
        return ByteBuffer.allocateDirect(bufferSize + bufferSize / 8);
    }

    void returnBuffer(ByteBuffer buffer) {
        buffer.clear();
        synchronized (buffers) {
            if (buffers.size() < max) {
                buffers.push(buffer);
            }
        }
    }
}
