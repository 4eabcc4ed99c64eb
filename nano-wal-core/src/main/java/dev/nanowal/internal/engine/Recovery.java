package dev.nanowal.internal.engine;

import dev.nanowal.internal.format.SegmentListing;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Opening a WAL directory: finds the segment files, deletes creations that did not finish, and loads every key
 * ({@link KeyRecovery}) on as many threads as there are processors: what an open costs is mostly reading and
 * checking the unsealed segments, and keys share nothing while they load.
 */
final class Recovery {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final WalContext context;
    private final Map<Path, Long> owed;
    private final SyncPool threads;
    private final int parallelism;
    private long highestSequence;

    /**
     * @param owed the segments journal replay wrote and left for the first checkpoint to fsync ({@link JournalReplay})
     * @param threads runs the keys' loading, at most {@code parallelism} at once
     */
    Recovery(WalContext context, Map<Path, Long> owed, SyncPool threads, int parallelism) {
        this.context = context;
        this.owed = owed;
        this.threads = threads;
        this.parallelism = parallelism;
    }

    /** The highest sequence number seen on disk, 0 when there is none. */
    long highestSequence() {
        return highestSequence;
    }

    /**
     * Loads every key's segments, oldest first, keyed by key hash. A failure stops the other threads before their
     * next key and is thrown once all have stopped.
     */
    Map<Long, List<Segment>> load() throws IOException {
        SegmentListing listing = SegmentListing.of(context.directory().ownFiles());
        for (Path file : listing.temporaries()) {
            LOG.log(System.Logger.Level.INFO, "Deleting {0}: a segment whose creation did not finish", file);
            context.storage().delete(file);
        }
        highestSequence = listing.highestSequence();
        List<Map.Entry<Long, TreeMap<Long, Path>>> keys = new ArrayList<>(listing.byKey().entrySet());
        @SuppressWarnings("unchecked")
        List<Segment>[] loaded = new List[keys.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<KeyRecovery> lanes = new ArrayList<>();
        for (int i = 0; i < Math.min(parallelism, keys.size()); i++) {
            lanes.add(new KeyRecovery(context, owed));
        }
        threads.runEach(lanes, lane -> {
            try {
                for (int i = next.getAndIncrement(); i < keys.size(); i = next.getAndIncrement()) {
                    loaded[i] = lane.load(keys.get(i).getKey(), keys.get(i).getValue());
                }
            } catch (IOException | RuntimeException e) {
                failure.compareAndSet(null, e);
                next.set(keys.size());
            }
        });
        if (failure.get() instanceof IOException e) {
            throw e;
        } else if (failure.get() instanceof RuntimeException e) {
            throw e;
        }
        int tails = lanes.stream().mapToInt(KeyRecovery::unsyncedTailsCut).sum();
        if (tails > 0) {
            LOG.log(System.Logger.Level.WARNING, "Opened {0} after an unclean stop: cut the torn tails of {1} segments "
                    + "({2} bytes) past what was made durable: appends no sync, durable append or checkpoint had "
                    + "covered when the writer stopped", context.directory().path(), tails,
                    lanes.stream().mapToLong(KeyRecovery::unsyncedBytesCut).sum());
        }
        Map<Long, List<Segment>> segments = new TreeMap<>();
        for (int i = 0; i < keys.size(); i++) {
            if (!loaded[i].isEmpty()) {
                segments.put(keys.get(i).getKey(), loaded[i]);
            }
        }
        return segments;
    }
}
