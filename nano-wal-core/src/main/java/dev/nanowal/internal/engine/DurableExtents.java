package dev.nanowal.internal.engine;

import dev.nanowal.WalDamage;
import dev.nanowal.internal.format.DurableExtentsFile;
import dev.nanowal.internal.format.DurableExtentsFile.SegmentId;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How far each segment was promised durable, so that opening tells damage an fsync covered (corruption) from
 * bytes no fsync ever promised (an unsynced tail, cut) (FORMAT.md, "How far each segment is durable"). With the
 * journal, every promise is one of: a journal commit (its ranges say how far, and replay reads them), a checkpoint,
 * a durable append too large for the journal, or recovery at open; the last three write {@code nanowal.extents}
 * (fsynced) before the journal files that held the ranges are retired and before the call returns. So a segment's
 * promised end is the larger of what the file records and what the live journal holds of it; a segment the file
 * does not list was created after it was written and owes nothing to it. Without the journal a durable append
 * fsyncs its segment with no record of how far, so a WAL opened with {@code journal(false)} deletes the file and
 * the extents become unknown: every byte counts as promised, and damage with valid frames after it is reported,
 * never cut. Thread-safe.
 */
final class DurableExtents {

    /** The promised end when the extents are unknown: everything. */
    static final long UNKNOWN = Long.MAX_VALUE;

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final Path file;
    private final Storage storage;
    /** What the file held at open; null when there was none, or it was damaged. */
    private final Map<SegmentId, Long> recorded;
    private final Map<SegmentId, Long> replayed = new HashMap<>();
    private Map<SegmentId, Long> written;

    private DurableExtents(Path file, Storage storage, Map<SegmentId, Long> recorded) {
        this.file = file;
        this.storage = storage;
        this.recorded = recorded;
        this.written = recorded;
    }

    /** Reads the directory's extents; a damaged file is listed as damage and the extents are unknown. */
    static DurableExtents read(Path directory, Storage storage, Quarantine quarantine, WalEvents events)
            throws IOException {
        Path file = directory.resolve(DurableExtentsFile.FILE_NAME);
        try {
            return new DurableExtents(file, storage, DurableExtentsFile.decode(storage.readAll(file)));
        } catch (NoSuchFileException e) {
            return new DurableExtents(file, storage, null);
        } catch (FormatException e) {
            quarantine.add(new WalDamage(file, null, 0, 0, 0, "The extents file " + e.getMessage() + "; every "
                    + "segment counts as durable to its end at this open, so damage in one is reported, never cut", 0),
                    events);
            return new DurableExtents(file, storage, null);
        }
    }

    /** Whether the file told how far each segment was promised. */
    boolean known() {
        return recorded != null;
    }

    /** Journal replay wrote a range of the segment up to {@code end}: a promise the live journal made. */
    synchronized void replayed(long keyHash, long sequence, long end) {
        replayed.merge(new SegmentId(keyHash, sequence), end, Math::max);
    }

    /** How far the segment was promised durable before this open, or {@link #UNKNOWN}. */
    synchronized long promisedEnd(long keyHash, long sequence) {
        if (recorded == null) {
            return UNKNOWN;
        }
        SegmentId id = new SegmentId(keyHash, sequence);
        return Math.max(recorded.getOrDefault(id, 0L), replayed.getOrDefault(id, 0L));
    }

    /**
     * Before replay retires the journal files: records what their ranges promised, which the files stop saying.
     * Nothing when the extents are unknown (a record now would claim every other segment was promised nothing).
     */
    synchronized void saveReplayed() throws IOException {
        if (recorded == null || replayed.isEmpty()) {
            return;
        }
        Map<SegmentId, Long> merged = new HashMap<>(recorded);
        replayed.forEach((id, end) -> merged.merge(id, end, Math::max));
        save(merged);
    }

    /** Records every segment's durable position (a checkpoint, or the end of an open), when it changed. */
    synchronized void saveAll(Collection<? extends Collection<Segment>> segmentsByKey) throws IOException {
        Map<SegmentId, Long> extents = new HashMap<>();
        for (Collection<Segment> segments : segmentsByKey) {
            for (Segment segment : segments) {
                if (!segment.isDeleted()) {
                    extents.put(new SegmentId(segment.header().keyHash(), segment.sequence()),
                            segment.durablePosition());
                }
            }
        }
        if (!extents.equals(written)) {
            save(extents);
        }
    }

    /** Records the durable positions of segments fsynced outside a checkpoint. */
    synchronized void saveSome(List<Segment> segments) throws IOException {
        Map<SegmentId, Long> extents = written == null ? new HashMap<>() : new HashMap<>(written);
        for (Segment segment : segments) {
            extents.put(new SegmentId(segment.header().keyHash(), segment.sequence()), segment.durablePosition());
        }
        save(extents);
    }

    private void save(Map<SegmentId, Long> extents) throws IOException {
        storage.writeAtomically(file, DurableExtentsFile.encode(extents));
        written = extents;
    }

    /** A WAL without the journal keeps no record: the file goes (durably), and the extents are unknown. */
    synchronized void forget(Path directory) throws IOException {
        if (storage.exists(file)) {
            storage.delete(file);
            storage.fsyncDirectory(directory);
            LOG.log(System.Logger.Level.INFO, "Deleted {0}: without the journal, how far each segment is durable is "
                    + "not recorded", file);
        }
        written = null;
    }
}
