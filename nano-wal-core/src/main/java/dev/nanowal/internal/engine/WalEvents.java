package dev.nanowal.internal.engine;

import dev.nanowal.CompactionResult;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/** The WAL's counters and its listeners: everything the statistics and the metrics read. */
final class WalEvents {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    final LongAdder durableAppends = new LongAdder();
    final LongAdder durableAppendedBytes = new LongAdder();
    final LongAdder reads = new LongAdder();
    final LongAdder syncs = new LongAdder();
    final LongAdder compactions = new LongAdder();
    final LongAdder segmentsDeleted = new LongAdder();
    final LongAdder bytesTruncatedAtRecovery = new LongAdder();
    final LongAdder corruptionsDetected = new LongAdder();
    final LongAdder writeFailures = new LongAdder();
    final LongAdder journalCommits = new LongAdder();
    final LongAdder journalEntries = new LongAdder();
    final LongAdder journalBytes = new LongAdder();
    final LongAdder checkpoints = new LongAdder();
    final AtomicReference<WalIOException> lastWriteFailure = new AtomicReference<>();
    final AtomicReference<CompactionResult> lastCompaction = new AtomicReference<>();

    private final List<WalListener> listeners = new CopyOnWriteArrayList<>();

    Runnable add(WalListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void appended(int entries, long bytes, boolean durable) {
        if (durable) {
            durableAppends.add(entries);
            durableAppendedBytes.add(bytes);
        }
        if (lastWriteFailure.get() != null) {
            lastWriteFailure.set(null);
        }
    }

    void synced(long nanos, int entries) {
        syncs.increment();
        Duration duration = Duration.ofNanos(nanos);
        tell(listener -> listener.onSync(duration, entries));
    }

    void journalCommitted(long nanos, int entries, int keys, long bytes) {
        journalCommits.increment();
        journalEntries.add(entries);
        journalBytes.add(bytes);
        Duration duration = Duration.ofNanos(nanos);
        tell(listener -> listener.onJournalCommit(duration, entries, keys));
    }

    void checkpointed(long nanos, int segments) {
        checkpoints.increment();
        Duration duration = Duration.ofNanos(nanos);
        tell(listener -> listener.onCheckpoint(duration, segments));
    }

    WalIOException writeFailed(WalIOException failure) {
        writeFailures.increment();
        lastWriteFailure.set(failure);
        tell(listener -> listener.onWriteFailure(failure));
        return failure;
    }

    WalCorruptionException corrupt(WalCorruptionException corruption) {
        corruptionsDetected.increment();
        tell(listener -> listener.onCorruption(corruption));
        return corruption;
    }

    void recovered(Path segment, long validBytes, long truncated) {
        bytesTruncatedAtRecovery.add(truncated);
        tell(listener -> listener.onRecovery(segment, validBytes, truncated));
    }

    void compacted(CompactionResult result) {
        compactions.increment();
        segmentsDeleted.add(result.segmentsDeleted());
        lastCompaction.set(result);
        tell(listener -> listener.onCompaction(result));
    }

    private void tell(Consumer<WalListener> event) {
        for (WalListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "A WalListener threw; ignored", e);
            }
        }
    }
}
