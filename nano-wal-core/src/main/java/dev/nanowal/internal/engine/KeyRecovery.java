package dev.nanowal.internal.engine;

import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalDamage;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.format.SegmentScan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Loading one key's segments at open, for {@link Recovery}: trusts sealed ones, scans the others, cuts tails no
 * fsync promised, and isolates damage inside promised bytes instead of refusing to open (FORMAT.md, "What ends a
 * segment, and recovery", and "Damage, and what it takes down"). Not thread-safe: each of recovery's threads has
 * its own, with its own read-ahead buffer, and loads one key at a time.
 */
final class KeyRecovery {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    /** The read-ahead buffer of every segment scan of this instance: one segment at a time. */
    private static final int SCAN_WINDOW = 256 * 1024;

    private final WalContext context;
    private final Quarantine quarantine;
    private final DurableExtents extents;
    /** The segments journal replay wrote without an fsync, with the newest generation that wrote each. */
    private final Map<Path, Long> owed;

    private ByteBuffer scanWindow;
    private int unsyncedTailsCut;
    private long unsyncedBytesCut;
    /** The lock shared by the segments of the key being loaded, and then by its {@link KeyLog}. */
    private ReentrantLock keyLock;

    /** @param owed the segments journal replay wrote and left for the first checkpoint to fsync ({@link JournalReplay}) */
    KeyRecovery(WalContext context, Map<Path, Long> owed) {
        this.context = context;
        this.quarantine = context.quarantine();
        this.extents = context.extents();
        this.owed = owed;
    }

    /** The key's segments, oldest first; empty when none could be loaded. */
    List<Segment> load(long keyHash, TreeMap<Long, Path> files) throws IOException {
        List<Segment> segments = new ArrayList<>();
        Map<Long, FormatException> damagedHeaders = new TreeMap<>();
        String key = null;
        keyLock = new ReentrantLock();
        for (Map.Entry<Long, Path> file : files.entrySet()) {
            boolean last = file.getKey().equals(files.lastKey());
            Segment segment;
            try {
                segment = loadSegment(file.getValue(), keyHash, file.getKey(), last);
            } catch (FormatException e) {
                damagedHeaders.put(file.getKey(), e);
                continue;
            }
            if (segment == null) {
                continue;
            }
            if (key != null && !key.equals(segment.header().key())) {
                throw context.events().corrupt(new WalCorruptionException("Segments " + segments.get(0).path() + " and "
                        + segment.path() + " share key hash " + Long.toHexString(keyHash) + " but hold different keys"));
            }
            key = segment.header().key();
            segments.add(segment);
        }
        // after the key's intact segments, which name the key a damaged header no longer proves
        for (Map.Entry<Long, FormatException> damaged : damagedHeaders.entrySet()) {
            Segment salvaged = salvage(files.get(damaged.getKey()), keyHash, damaged.getKey(), key, damaged.getValue());
            if (salvaged != null) {
                key = salvaged.header().key();
                segments.add(salvaged);
            }
        }
        segments.sort(Comparator.comparingLong(Segment::sequence));
        return segments;
    }

    /** @throws FormatException when the segment's header is damaged (and the file is not a creation cut short) */
    private Segment loadSegment(Path path, long keyHash, long sequence, boolean last)
            throws IOException, FormatException {
        try (FileChannel channel = context.storage().openForWrite(path)) {
            SegmentHeader header;
            try {
                header = SegmentHeader.read(channel, path, keyHash, sequence);
            } catch (FormatException e) {
                if (last && neverWritten(channel)) {
                    LOG.log(System.Logger.Level.WARNING, "Deleting {0}: its creation was cut short by a crash before any "
                            + "entry was synced", path);
                    context.storage().delete(path);
                    return null;
                }
                throw e;
            }
            long size = channel.size();
            long promised = extents.promisedEnd(keyHash, sequence);
            // a seal no fsync covered may have reached the disk while earlier bytes did not: scan such a segment
            if (!last && promised >= size) {
                Segment sealed = fromSeal(channel, header, path, size);
                if (sealed != null) {
                    return sealed;
                }
            }
            return scan(channel, header, path, size, promised);
        }
    }

    /**
     * A segment whose header fails its checks: its frames are still bound to its key hash and sequence number
     * (from the file name) by their CRC32C, so when the key is known (from the key's other segments, or from key
     * bytes in the header that hash to the name's key hash) its records are read as those of a quarantined
     * segment. Otherwise it is listed as unreadable and not loaded.
     */
    private Segment salvage(Path path, long keyHash, long sequence, String knownKey, FormatException problem)
            throws IOException {
        try (FileChannel channel = context.storage().openForRead(path)) {
            fsyncIfOwed(channel, path);
            String key = knownKey != null ? knownKey : SegmentHeader.keyMatching(channel, keyHash);
            if (key == null) {
                quarantine.add(new WalDamage(path, null, keyHash, sequence, 0, problem.getMessage()
                        + "; no intact segment of its key names the key, so its entries cannot be read", 0),
                        context.events());
                return null;
            }
            byte[] keyBytes = KeyNames.utf8(key);
            int dataStart = new SegmentHeader(key, keyBytes, keyHash, sequence, 0).dataStart();
            SegmentScan.Survey found = SegmentScan.survey(channel, keyHash, sequence, dataStart, channel.size(), 0,
                    scanWindow());
            List<SegmentScan.Damage> damaged = new ArrayList<>(found.damaged().size() + 1);
            damaged.add(new SegmentScan.Damage(0, dataStart, "a damaged segment header"));
            damaged.addAll(found.damaged());
            SegmentScan.Survey survey = new SegmentScan.Survey(found.end(), found.records(), found.oldest(),
                    found.newest(), found.sealed(), List.copyOf(damaged));
            quarantine.add(new WalDamage(path, key, keyHash, sequence, 0, problem.getMessage() + "; its "
                    + survey.records() + " intact records stay readable", survey.records()), context.events());
            return Segment.quarantined(new SegmentHeader(key, keyBytes, keyHash, sequence, found.oldest()), path,
                    context, keyLock, survey);
        }
    }

    /** A header cut short or left as zeros, with nothing after it: a creation no sync ever covered. */
    private static boolean neverWritten(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size > 4096) {
            return false;
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) size);
        while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) >= 0) {
            // reads the whole (small) file
        }
        int prefix = Math.min(bytes.position(), SegmentHeader.MAGIC.length);
        for (int i = 0; i < prefix; i++) {
            if (bytes.get(i) != 0 && bytes.get(i) != SegmentHeader.MAGIC[i]) {
                return false;
            }
        }
        return size < SegmentHeader.FIXED_SIZE || isZero(bytes, 0, (int) size);
    }

    private static boolean isZero(ByteBuffer bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private Segment fromSeal(FileChannel channel, SegmentHeader header, Path path, long size) throws IOException {
        SegmentScan.Seal seal = SegmentScan.sealAtEnd(channel, header, size);
        if (seal == null) {
            LOG.log(System.Logger.Level.WARNING, "Segment {0} has no valid seal although a newer segment follows; "
                    + "scanning it", path);
            return null;
        }
        return owing(Segment.existing(header, path, context, keyLock, size, seal.entries(), seal.oldest(),
                seal.newest(), true, size));
    }

    /** A segment that replay wrote to and that takes part in checkpoints: the first one fsyncs it. */
    private Segment owing(Segment segment) {
        Long generation = owed.get(segment.path());
        if (generation != null) {
            segment.journalState().replayedWithoutFsync(generation);
        }
        return segment;
    }

    /**
     * A segment that replay wrote to but that no checkpoint fsyncs (quarantined, or not loaded at all): fsynced
     * now, so the journal files may retire without it.
     */
    private void fsyncIfOwed(FileChannel channel, Path path) throws IOException {
        if (owed.containsKey(path)) {
            channel.force(true);
        }
    }

    /**
     * Scans a segment and acts on how it ends. A bad frame at or past {@code promised} is an unsynced tail: no
     * fsync or journal commit ever covered it, so whatever follows it was never acknowledged durable, and it is cut.
     * Inside the promised bytes it is damage, and the segment is quarantined (or cut by {@code repairCorruptTail}).
     * When the extents are unknown, a bad frame with nothing valid after it counts as a torn tail, as before the
     * extents were recorded.
     */
    private Segment scan(FileChannel channel, SegmentHeader header, Path path, long size, long promised)
            throws IOException {
        SegmentScan.Verdict verdict = SegmentScan.scan(channel, header, size, scanWindow());
        long end = verdict.validEnd();
        boolean unknown = promised == DurableExtents.UNKNOWN;
        long durable = Math.min(promised, end);
        switch (verdict.ending()) {
            case SEALED, CLEAN -> {
                if (!unknown && end < promised) {
                    return damaged(channel, header, path, size, verdict, "bytes up to offset " + promised
                            + " were made durable, but the segment's frames end here");
                }
                if (end < size && verdict.zerosAfter()) {
                    cutZeros(channel, path, end, size);
                    durable = end;
                }
            }
            case TORN_TAIL -> {
                if (!unknown && end < promised) {
                    return damaged(channel, header, path, size, verdict, verdict.problem());
                }
                if (unknown) {
                    cutTornTail(channel, path, end, size, verdict.problem());
                    durable = end;
                } else {
                    cutUnsyncedTornTail(channel, path, end, size, verdict.problem(), promised);
                }
            }
            case CORRUPT_MIDDLE -> {
                if (unknown || end < promised) {
                    return damaged(channel, header, path, size, verdict, verdict.problem());
                }
                cutUnsyncedTail(channel, path, end, size, verdict.problem(), promised);
                durable = end;
            }
        }
        if (end > channel.size()) {
            writeMissingPadding(channel, path, end, unknown);
        }
        return owing(Segment.existing(header, path, context, keyLock, end, verdict.records(), verdict.oldest(),
                verdict.newest(), verdict.ending() == SegmentScan.Ending.SEALED, unknown ? end : durable));
    }

    /**
     * The last record is whole but the crash cut the zeros that pad it to 8 bytes (a write stopped after the
     * record's own bytes): the record is kept and its padding written, so that the file holds every byte before
     * the segment's end. A durable append reads the bytes after the promised end back from the file for the
     * journal (before this, it failed there with "end of file"), and appends continue at the end. Fsynced only
     * when the extents are unknown, which count the record durable; otherwise it lies past the promised bytes
     * (a whole window of the write buffer was written, see {@code Segment.flushWindowLocked}) and waits for the
     * first checkpoint like the rest of the unsynced tail.
     */
    private static void writeMissingPadding(FileChannel channel, Path path, long end, boolean unknown)
            throws IOException {
        long size = channel.size();
        LOG.log(System.Logger.Level.INFO, "Opened {0}: wrote the {1} bytes of zero padding its last record lacked "
                + "at offset {2}", path, end - size, size);
        ByteBuffer zeros = ByteBuffer.allocate((int) (end - size));
        while (zeros.hasRemaining()) {
            channel.write(zeros, size + zeros.position());
        }
        if (unknown) {
            channel.force(true);
        }
    }

    private ByteBuffer scanWindow() {
        if (scanWindow == null) {
            scanWindow = ByteBuffer.allocateDirect(SCAN_WINDOW);
        }
        return scanWindow;
    }

    /**
     * Zeros after the last frame are preallocated space (FORMAT.md), or blocks a crash left unwritten before any
     * fsync covered them: no entry is lost, so this is not a torn tail.
     */
    private static void cutZeros(FileChannel channel, Path path, long end, long size) throws IOException {
        LOG.log(System.Logger.Level.INFO, "Opened {0}: cut {1} bytes of zeros after its last frame at offset {2}",
                path, size - end, end);
        channel.truncate(end);
        channel.force(true);
    }

    private void cutTornTail(FileChannel channel, Path path, long end, long size, String found) throws IOException {
        LOG.log(System.Logger.Level.WARNING, "Recovered {0}: cut a torn tail of {1} bytes at offset {2} ({3}); "
                + "entries before it are intact", path, size - end, end, found);
        channel.truncate(end);
        channel.force(true);
        context.events().recovered(path, end, size - end);
    }

    /**
     * A torn record past the bytes promised durable: the writer stopped between two writes of its buffer (a window
     * was written and the record across its end was still in the buffer) or during one. No entry there was
     * acknowledged durable, so the cut is not fsynced and is logged at DEBUG, one WARNING for the whole open
     * ({@link #unsyncedTailsCut()}): after an unclean stop every key with buffered appends has one, and 1,000
     * fsyncs and warnings made such an open seven times as slow. A crash before the next fsync can bring back only
     * this same torn tail, which the next open cuts again; the valid records before it stay unsynced (the segment
     * counts as durable up to {@code promised}) until the first checkpoint fsyncs them or a durable append of the
     * key journals them.
     */
    private void cutUnsyncedTornTail(FileChannel channel, Path path, long end, long size, String found, long promised)
            throws IOException {
        LOG.log(System.Logger.Level.DEBUG, "Recovered {0}: cut a torn tail of {1} bytes at offset {2} ({3}), past the "
                + "{4} bytes made durable; entries before it are intact", path, size - end, end, found, promised);
        channel.truncate(end);
        unsyncedTailsCut++;
        unsyncedBytesCut += size - end;
        context.events().recovered(path, end, size - end);
    }

    /** How many torn tails past the promised bytes this instance cut ({@link #cutUnsyncedTornTail}). */
    int unsyncedTailsCut() {
        return unsyncedTailsCut;
    }

    /** The bytes of those tails. */
    long unsyncedBytesCut() {
        return unsyncedBytesCut;
    }

    /**
     * Damage at or past the point the segment was promised durable, with valid frames after it: a crash while
     * the page cache wrote back the unsynced tail out of order (a later page reached the disk, an earlier one did
     * not). None of it was acknowledged durable.
     */
    private void cutUnsyncedTail(FileChannel channel, Path path, long end, long size, String found, long promised)
            throws IOException {
        LOG.log(System.Logger.Level.WARNING, "Recovered {0}: cut {1} unsynced bytes at offset {2} ({3}, with frames "
                + "after it that no fsync or journal commit covered: the segment was durable up to offset {4} only); "
                + "entries before it are intact", path, size - end, end, found, promised);
        channel.truncate(end);
        channel.force(true);
        context.events().recovered(path, end, size - end);
    }

    /**
     * Damage inside promised bytes at {@code verdict.validEnd()}: cut by {@code repairCorruptTail}, or else the
     * segment is quarantined.
     */
    private Segment damaged(FileChannel channel, SegmentHeader header, Path path, long size,
            SegmentScan.Verdict verdict, String problem) throws IOException {
        long at = verdict.validEnd();
        if (context.options().repairCorruptTail() && repairMiddle(channel, path, at, size, problem)) {
            return owing(Segment.existing(header, path, context, keyLock, at, verdict.records(), verdict.oldest(),
                    verdict.newest(), false, at));
        }
        fsyncIfOwed(channel, path);
        SegmentScan.Survey survey = SegmentScan.survey(channel, header.keyHash(), header.sequence(), header.dataStart(),
                size, header.createdAt(), scanWindow());
        quarantine.add(new WalDamage(path, header.key(), header.keyHash(), header.sequence(), at, problem + " inside "
                + "bytes made durable; the segment is kept as it is (" + survey.records() + " intact records stay "
                + "readable) and its key continues in a new segment", survey.records()), context.events());
        return Segment.quarantined(header, path, context, keyLock, survey);
    }

    /**
     * Cuts the segment at {@code end}, keeping the bytes cut in a {@code .broken} file; false (nothing changed)
     * when a {@code .broken} file of an earlier repair is in the way.
     */
    private boolean repairMiddle(FileChannel channel, Path path, long end, long size, String problem)
            throws IOException {
        String where = "Segment " + path + " is damaged at offset " + end + " (" + problem + ") inside bytes made "
                + "durable, so it is not a torn write";
        Path broken = path.resolveSibling(path.getFileName() + SegmentNames.BROKEN_SUFFIX);
        if (context.storage().exists(broken)) {
            LOG.log(System.Logger.Level.ERROR, where + "; not repaired: " + broken + " from an earlier repair is in "
                    + "the way (inspect and remove it, then open again)");
            return false;
        }
        context.events().corrupt(new WalCorruptionException(where));
        try (FileChannel copy = context.storage().createNew(broken)) {
            long copied = 0;
            while (copied < size - end) {
                copied += channel.transferTo(end + copied, size - end - copied, copy);
            }
            copy.force(true);
        }
        context.directory().fsync();
        LOG.log(System.Logger.Level.ERROR, where + "; cut " + (size - end) + " bytes at offset " + end + ", kept in "
                + broken);
        channel.truncate(end);
        channel.force(true);
        context.events().recovered(path, end, size - end);
        return true;
    }
}
