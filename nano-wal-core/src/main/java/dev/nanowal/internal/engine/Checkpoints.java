package dev.nanowal.internal.engine;

import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalOptions;
import dev.nanowal.internal.io.Interrupts;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * How the appends of one open WAL reach their segments: the commit journal (made here, as it asks for a checkpoint
 * when a file fills up), the checkpoints that fsync the segments and then retire the journal files they make
 * redundant, the thread that runs them on the interval, and the close sequence that ends with one, leaves the next
 * open nothing to replay and closes every file. Without the journal a sync is an fsync of every key's segments, on
 * close too.
 *
 * <p>One checkpoint or sync at a time, under {@link #lock}; compaction's deletions and a backup's snapshot hold it
 * too ({@link #locked}), so that neither runs in the middle of one.
 */
final class Checkpoints {

    /** Journal files that may wait for a checkpoint before durable appends fail as "journal full". */
    private static final int MAX_JOURNAL_FILES = 16;
    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final WalContext context;
    private final WalEvents events;
    private final Keys keys;
    private final SyncPool syncPool;
    private final BooleanSupplier closed;
    /** Checkpoints, and compaction's deletions, one at a time. */
    private final Object lock = new Object();
    /** The commit journal, or null when the WAL runs without it. */
    private final Journal journal;
    private final ScheduledExecutorService checkpointer;

    /**
     * @param replayed what opening replayed of the journal: the files it left live wait for a checkpoint
     * @param closed whether the WAL was marked closed: a background checkpoint then no longer runs
     */
    Checkpoints(WalContext context, Keys keys, SyncPool syncPool, JournalReplay.Result replayed,
            BooleanSupplier closed) {
        this.context = context;
        this.events = context.events();
        this.keys = keys;
        this.syncPool = syncPool;
        this.closed = closed;
        WalOptions options = context.options();
        if (options.journal()) {
            this.checkpointer = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "nano-wal-checkpoint " + context.directory().path());
                thread.setDaemon(true);
                return thread;
            });
            this.journal = new Journal(context.directory().path(), context.storage(), events,
                    options.journalFileSize(), MAX_JOURNAL_FILES, replayed.spares(), replayed.live(), replayed.slots(),
                    replayed.nextGeneration(), () -> checkpointer.execute(this::backgroundCheckpoint));
            long interval = options.checkpointInterval().toMillis();
            // The files replay left live wait for a checkpoint like the journal's own: on the interval, or at once
            // when they fill half the files the journal may have waiting, so that durable appends find room.
            long first = replayed.live().size() >= MAX_JOURNAL_FILES / 2 ? 0 : interval;
            checkpointer.scheduleWithFixedDelay(this::backgroundCheckpoint, first, interval, TimeUnit.MILLISECONDS);
        } else {
            this.checkpointer = null;
            this.journal = null;
        }
    }

    /** The commit journal, or null when the WAL runs without it. */
    Journal journal() {
        return journal;
    }

    /** Runs {@code action} with the checkpoint lock held: no checkpoint or sync runs meanwhile. */
    <T> T locked(Supplier<T> action) {
        synchronized (lock) {
            return action.get();
        }
    }

    /** {@link #syncLocked()} under the checkpoint lock. */
    WalException sync() {
        return locked(this::syncLocked);
    }

    /**
     * Makes every append so far durable in its segment: a checkpoint, or without the journal an fsync of each. The
     * caller holds the checkpoint lock ({@link #locked}); returns the failure met, or null.
     */
    WalException syncLocked() {
        return journal == null ? syncPool.syncAll(new ArrayList<>(keys.all())) : checkpointLocked();
    }

    /**
     * A checkpoint: moves the journal on to a new file, fsyncs every segment with bytes no fsync of its own
     * covered (the journal's included), writes from the journal again the segments whose own fsync failed, then
     * retires the journal files from before the move. On failure the journal keeps them, so the next open replays
     * them. The caller holds the checkpoint lock ({@link #locked}).
     */
    WalException checkpointLocked() {
        long started = System.nanoTime();
        long covered = journal.roll();
        List<KeyLog> logs = new ArrayList<>(keys.all());
        WalException failure = syncPool.syncAll(logs);
        if (failure != null) {
            return failure;
        }
        try {
            List<Segment> failed = new ArrayList<>(0);
            for (KeyLog log : logs) {
                failed.addAll(log.journaledButFailed());
            }
            if (!failed.isEmpty()) {
                journal.rewrite(failed, covered);
            }
            List<List<Segment>> segments = new ArrayList<>(logs.size());
            for (KeyLog log : logs) {
                segments.add(log.segments());
            }
            // before the journal files go: from then on the extents file alone says how far these were durable
            context.extents().saveAll(segments);
            journal.retireUpTo(covered);
        } catch (IOException e) {
            return events.writeFailed(new WalIOException("Could not retire the commit journal files of "
                    + context.directory().path() + " after a checkpoint; the next open replays them", e));
        }
        events.checkpointed(System.nanoTime() - started, logs.size());
        return null;
    }

    /** Runs on the checkpoint thread, on its interval and when a journal file fills up. */
    private void backgroundCheckpoint() {
        if (closed.getAsBoolean() || !journal.hasLiveRecords()) {
            return;
        }
        // segment I/O; a pending interrupt would close shared channels (see Interrupts)
        WalException failure = Interrupts.asideDuring(() -> locked(() -> closed.getAsBoolean() ? null
                : checkpointLocked()));
        if (failure != null) {
            LOG.log(System.Logger.Level.WARNING, "A background checkpoint of " + context.directory().path()
                    + " failed; the commit journal keeps what it covers", failure);
        }
    }

    /**
     * On close, once the WAL is marked closed: stops the background fsyncs and the checkpoint thread, makes every
     * append durable in its segment and retires the journal, so that the next open has nothing to replay, then stops
     * the sync threads and closes every file. Returns the failure met, or null. The caller has set its interrupt status aside
     * ({@link Interrupts}).
     */
    WalException close() {
        context.backgroundSyncs().shutdown();
        WalException failure = locked(this::lastSyncLocked);
        syncPool.shutdown();
        context.openFiles().closeAll();
        return failure;
    }

    /** The close's last sync: with the journal, a last checkpoint and every journal file retired and closed. */
    private WalException lastSyncLocked() {
        if (journal == null) {
            return syncLocked();
        }
        checkpointer.shutdownNow();
        WalException failure = checkpointLocked();
        failure = failure != null ? failure : retireJournal();
        journal.closeFiles();
        return failure;
    }

    /** On close, after a checkpoint: nothing is left for the next open to replay. */
    private WalException retireJournal() {
        try {
            journal.retireAll();
            return null;
        } catch (IOException e) {
            return events.writeFailed(new WalIOException("Could not retire the commit journal of "
                    + context.directory().path() + " on close; the next open replays it", e));
        } catch (WalIOException e) {
            return e;
        }
    }
}
