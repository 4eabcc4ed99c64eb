package dev.nanowal.internal.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * What a durable batch waits for once every key's lock is released: per key, its journal ticket (all of them
 * queued before the first wait, so one journal commit usually covers the whole batch) or, without the journal,
 * the fsyncs of its segments.
 */
final class BatchSyncs {

    private final List<Runnable> waits = new ArrayList<>();

    /** Called with the key's lock held; {@code wait} may be null (nothing left to wait for). */
    void add(Runnable wait) {
        if (wait != null) {
            waits.add(wait);
        }
    }

    void syncAll() {
        waits.forEach(Runnable::run);
    }
}
