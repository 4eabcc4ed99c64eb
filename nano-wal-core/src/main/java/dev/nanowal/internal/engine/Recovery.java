package dev.nanowal.internal.engine;

import dev.nanowal.WalCorruptionException;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.format.SegmentListing;
import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.format.SegmentScan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Opening a WAL directory: finds the segment files, trusts sealed ones, scans the others and cuts torn
 * tails (FORMAT.md, "What ends a segment, and recovery").
 */
final class Recovery {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final WalContext context;
    private long highestSequence;

    /** One read-ahead buffer for every segment scan: recovery scans one segment at a time, on one thread. */
    private static final int SCAN_WINDOW = 256 * 1024;

    private ByteBuffer scanWindow;
    /** The lock shared by the segments of the key being loaded, and then by its {@link KeyLog}. */
    private ReentrantLock keyLock;

    Recovery(WalContext context) {
        this.context = context;
    }

    /** The highest sequence number seen on disk, 0 when there is none. */
    long highestSequence() {
        return highestSequence;
    }

    /** Loads every key's segments, oldest first, keyed by key hash. */
    Map<Long, List<Segment>> load() throws IOException {
        SegmentListing listing = SegmentListing.of(context.directory().ownFiles());
        for (Path file : listing.temporaries()) {
            LOG.log(System.Logger.Level.INFO, "Deleting {0}: a segment whose creation did not finish", file);
            context.storage().delete(file);
        }
        highestSequence = listing.highestSequence();
        Map<Long, List<Segment>> segments = new TreeMap<>();
        for (Map.Entry<Long, TreeMap<Long, Path>> key : listing.byKey().entrySet()) {
            List<Segment> loaded = loadKey(key.getKey(), key.getValue());
            if (!loaded.isEmpty()) {
                segments.put(key.getKey(), loaded);
            }
        }
        return segments;
    }

    private List<Segment> loadKey(long keyHash, TreeMap<Long, Path> files) throws IOException {
        List<Segment> segments = new ArrayList<>();
        String key = null;
        keyLock = new ReentrantLock();
        for (Map.Entry<Long, Path> file : files.entrySet()) {
            boolean last = file.getKey().equals(files.lastKey());
            Segment segment = loadSegment(file.getValue(), keyHash, file.getKey(), last);
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
        return segments;
    }

    private Segment loadSegment(Path path, long keyHash, long sequence, boolean last) throws IOException {
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
                throw context.events().corrupt(new WalCorruptionException(e.getMessage(), e));
            }
            long size = channel.size();
            if (!last) {
                Segment sealed = fromSeal(channel, header, path, size);
                if (sealed != null) {
                    return sealed;
                }
            }
            return scan(channel, header, path, size);
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
        return Segment.existing(header, path, context, keyLock, size, seal.entries(), seal.oldest(), seal.newest(),
                true);
    }

    private Segment scan(FileChannel channel, SegmentHeader header, Path path, long size) throws IOException {
        SegmentScan.Verdict verdict = SegmentScan.scan(channel, header, size, scanWindow());
        long end = verdict.validEnd();
        switch (verdict.ending()) {
            case SEALED, CLEAN -> {
                if (end < size && verdict.zerosAfter()) {
                    cutZeros(channel, path, end, size);
                }
            }
            case TORN_TAIL -> cutTornTail(channel, path, end, size, verdict.problem());
            case CORRUPT_MIDDLE -> repairMiddle(channel, path, end, size, verdict.problem());
        }
        return Segment.existing(header, path, context, keyLock, end, verdict.records(), verdict.oldest(),
                verdict.newest(), verdict.ending() == SegmentScan.Ending.SEALED);
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

    private void repairMiddle(FileChannel channel, Path path, long end, long size, String problem) throws IOException {
        String where = "Segment " + path + " is corrupt at offset " + end + " (" + problem + ") and valid entries follow "
                + "the damage, so it is not a torn write";
        if (!context.options().repairCorruptTail()) {
            throw context.events().corrupt(new WalCorruptionException(where + ". Nothing was changed. Open with "
                    + "WalOptions.repairCorruptTail(true) to cut the segment there, keeping the cut bytes in a .broken "
                    + "file, or restore the file from a backup"));
        }
        context.events().corrupt(new WalCorruptionException(where));
        Path broken = path.resolveSibling(path.getFileName() + SegmentNames.BROKEN_SUFFIX);
        if (context.storage().exists(broken)) {
            throw new WalCorruptionException(where + ", and " + broken + " from an earlier repair is in the way: "
                    + "inspect and remove it, then open again");
        }
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
    }
}
