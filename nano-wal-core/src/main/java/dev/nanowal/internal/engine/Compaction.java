package dev.nanowal.internal.engine;

import dev.nanowal.CompactionGuard;
import dev.nanowal.CompactionResult;
import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalOptions;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Retention ({@code Wal.compact}): deletes every key's segments whose newest entry is older than the retention and
 * that no {@link CompactionGuard} holds, after making durable what a deletion needs first. With the journal holding
 * records, a checkpoint runs before anything is deleted, so that a replay after a crash never brings a deleted
 * segment back; the sequence floor is saved, so that a segment number is never used again. On a full disk either
 * may fail, and compaction then deletes only what needs neither (it is how a full disk frees space). Call
 * {@link #run} with the engine's compaction and checkpoint locks held.
 */
final class Compaction {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final WalOptions options;
    private final WalDirectory directory;
    private final Keys keys;
    private final WalEvents events;
    /** The commit journal, or null when the WAL runs without it. */
    private final Journal journal;
    private final List<CompactionGuard> guards;
    /** A checkpoint, with the checkpoint lock held: the failure it met, or null. */
    private final Supplier<WalException> checkpoint;

    Compaction(WalOptions options, WalDirectory directory, Keys keys, WalEvents events, Journal journal,
            List<CompactionGuard> guards, Supplier<WalException> checkpoint) {
        this.options = options;
        this.directory = directory;
        this.keys = keys;
        this.events = events;
        this.journal = journal;
        this.guards = guards;
        this.checkpoint = checkpoint;
    }

    CompactionResult run() {
        Instant started = options.clock().instant();
        long now = started.toEpochMilli();
        long retention = options.entryRetention().toMillis();
        List<CompactionResult.DeletedSegment> deleted = new ArrayList<>();
        Predicate<Segment> deletable = segment -> true;
        if (journal != null && journal.hasLiveRecords() && anyExpired(now, retention)) {
            WalException failure = checkpoint.get();
            if (failure instanceof WalIOException io && io.isDiskFull()) {
                // the checkpoint could not flush every buffer; a segment in no live journal file cannot come back
                long oldestLive = journal.oldestLiveGeneration();
                deletable = segment -> segment.journalState().generation() < oldestLive;
            } else if (failure != null) {
                throw failure;
            }
        }
        KeyLog.IoAction protect = directory::protectSequences;
        if (anyExpired(now, retention)) {
            try {
                directory.protectSequences();
            } catch (IOException e) {
                WalIOException failure = new WalIOException("Compaction of " + directory.path() + " could not save "
                        + "the sequence floor; nothing was deleted", e);
                if (!failure.isDiskFull()) {
                    throw events.writeFailed(failure);
                }
                long kept = highestKeptSequence(now, retention);
                deletable = deletable.and(segment -> segment.sequence() < kept);
                protect = () -> { };
                LOG.log(System.Logger.Level.WARNING, "The disk of " + directory.path() + " is full: compaction "
                        + "deletes only segments numbered below " + kept + ", which stays, until the sequence floor "
                        + "can be saved");
            }
        }
        try {
            for (KeyLog log : keys.all()) {
                deleted.addAll(log.compact(now, retention, guards, deletable, protect));
                if (log.isRetired()) {
                    keys.forget(log);
                }
            }
            if (!deleted.isEmpty()) {
                directory.fsync();
            }
        } catch (IOException e) {
            throw events.writeFailed(new WalIOException("Compaction of " + directory.path() + " failed after "
                    + deleted.size() + " segment deletions", e));
        }
        CompactionResult result = new CompactionResult(deleted, started);
        events.compacted(result);
        if (!deleted.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Compaction deleted " + result.segmentsDeleted() + " segments ("
                    + result.bytesDeleted() + " bytes) from " + directory.path());
        }
        return result;
    }

    /**
     * The highest sequence number of a segment that this compaction keeps (not expired) and that is durable, name
     * and bytes: deleting only segments numbered below it needs no sequence floor, since the next open continues
     * the numbering above it. -1 when there is none.
     */
    private long highestKeptSequence(long now, long retention) {
        long kept = -1;
        for (KeyLog log : keys.all()) {
            for (Segment segment : log.segments()) {
                if (segment.newest() + retention > now && segment.isFsynced() && segment.isNameDurable()) {
                    kept = Math.max(kept, segment.sequence());
                }
            }
        }
        return kept;
    }

    private boolean anyExpired(long now, long retention) {
        for (KeyLog log : keys.all()) {
            if (log.hasExpired(now, retention)) {
                return true;
            }
        }
        return false;
    }
}
