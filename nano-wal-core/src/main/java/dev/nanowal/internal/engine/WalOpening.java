package dev.nanowal.internal.engine;

import dev.nanowal.WalIOException;
import dev.nanowal.WalOptions;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a WAL opens ({@code Wal.open}): the directory locked, an unfinished backup refused, the commit journal
 * replayed into the segments, every key's segments recovered, the sequence numbers and durable extents set from
 * what was found, then the {@link WalEngine} built over them. A failed open shuts down what it started and
 * releases the directory's lock again. Static and stateless; each open runs on its caller's thread.
 */
final class WalOpening {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private WalOpening() {
    }

    /** Locks {@code directory} (creating it if needed) and recovers it; see {@code Wal.open}. */
    static WalEngine open(Path directory, WalOptions options, Storage storage) {
        Objects.requireNonNull(directory, "directory must not be null");
        Objects.requireNonNull(options, "options must not be null");
        // An interrupted caller would close the lock file's channel, and so release the lock, or fail the
        // recovery's reads (see Interrupts).
        return Interrupts.asideDuring(() -> openLocked(WalDirectory.lock(directory, storage), options, storage));
    }

    private static WalEngine openLocked(WalDirectory locked, WalOptions options, Storage storage) {
        SyncPool syncPool = null;
        try {
            Backup.refuseIfIncomplete(locked.path(), storage, "Cannot open " + locked.path());
            WalEvents events = new WalEvents(options.clock(), locked.path(), storage);
            Quarantine quarantine = new Quarantine();
            DurableExtents extents = DurableExtents.read(locked.path(), storage, quarantine, events);
            WalContext context = new WalContext(locked, options, storage,
                    new OpenFiles(options.maxOpenFiles(), options.writeBufferSize()), events, extents, quarantine,
                    new BackgroundSyncs(locked.path().toString()));
            // A file in an fsync cannot be closed for the open-files cap, which closes idle files down to 1/8
            // below the cap: more fsyncs at once than that headroom would hold more files open than the cap.
            syncPool = new SyncPool(Math.min(options.syncThreads(), Math.max(1, options.maxOpenFiles() / 8)),
                    locked, context.events());
            // Replayed first, whether or not this open uses the journal, so recovery finds every durable entry. With
            // the journal the first checkpoint fsyncs what replay wrote; not when recovery may cut promised bytes
            // (repairCorruptTail), which a second replay after a crash would write again past the cut.
            JournalReplay.Result replayed;
            try {
                replayed = JournalReplay.run(locked.path(), storage, locked.ownFiles(), syncPool, extents,
                        options.journal() && !options.repairCorruptTail());
            } catch (IOException e) {
                throw new WalIOException("Could not replay the commit journal of " + locked.path() + " into its "
                        + "segments; nothing was lost: free space if the disk is full, and open again", e);
            }
            Recovery recovery = new Recovery(context, replayed.owed(), syncPool,
                    Runtime.getRuntime().availableProcessors());
            Map<Long, List<Segment>> loaded = recovery.load();
            locked.startSequencesAfter(recovery.highestSequence(), quarantine, events);
            if (options.journal()) {
                extents.saveAll(loaded.values());
            } else {
                extents.forget(locked.path());
            }
            WalEngine engine = new WalEngine(context, loaded, replayed, syncPool);
            LOG.log(System.Logger.Level.DEBUG, "Opened WAL {0} with {1} keys", locked.path(), loaded.size());
            return engine;
        } catch (IOException e) {
            failedOpen(locked, syncPool);
            throw new WalIOException("Could not open the WAL at " + locked.path(), e);
        } catch (RuntimeException | Error e) {
            failedOpen(locked, syncPool);
            throw e;
        }
    }

    private static void failedOpen(WalDirectory locked, SyncPool syncPool) {
        if (syncPool != null) {
            syncPool.shutdown();
        }
        locked.release(false);
    }
}
