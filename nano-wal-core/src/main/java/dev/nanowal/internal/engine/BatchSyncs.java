package dev.nanowal.internal.engine;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The fsyncs a durable batch owes: per segment it wrote, where its last record there ends. Run once every key's
 * lock is released, so a batch costs at most one fsync per touched segment file.
 */
final class BatchSyncs {

    private final Map<Segment, Long> ends = new IdentityHashMap<>();

    /** Called with the key's lock held, so that the segment's end is where the batch's last record ended. */
    void add(Segment segment) {
        ends.merge(segment, segment.end(), Math::max);
    }

    void syncAll() {
        ends.forEach(Segment::syncTo);
    }
}
