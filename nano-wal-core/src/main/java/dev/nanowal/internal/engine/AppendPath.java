package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalListener;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.SegmentHeader;
import java.util.List;

/**
 * The classes the first append to a new key (buffered or durable) loads, linked and initialized while the WAL
 * opens instead: loading and verifying them took 9-13 ms on the benchmark machine, which the first append of
 * every process paid (benchmarks/RESULTS.md, session 12). {@code AppendPathTest} fails when a first append
 * loads a nano-wal class this list misses.
 */
final class AppendPath {

    private static final List<Class<?>> CLASSES = List.of(KeyNames.class, KeyLog.class, LongFields.class,
            KeyPositions.class, OpenFiles.OpenFile.class, Segment.class, SegmentHeader.class, SegmentDamage.class,
            SegmentFile.class, Preallocation.class, SegmentWriter.class, SegmentFsync.class, Frames.Encoder.class,
            Durability.class, SegmentJournalState.class, EntryRef.class, Journal.Range.class, Journal.Ticket.class,
            Journal.JournalFile.class, ReturningWaiters.Outcome.class, WalListener.class);

    private AppendPath() {
    }

    /** Initializes the classes; for one already initialized, a lookup in its class loader's table. */
    static void prepare() {
        for (Class<?> type : CLASSES) {
            try {
                Class.forName(type.getName(), true, type.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("The class loader that loaded " + type + " cannot find it", e);
            }
        }
    }
}
