package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalRecord;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.format.RecordTally;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.format.SegmentScan;
import dev.nanowal.internal.io.SegmentBytes;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.NavigableMap;

/**
 * One segment file as a read-only view sees it while another process may write it: its bytes (the file with the
 * journal's ranges of it laid over it, {@link ReadOnlyJournal}) up to the last valid frame. What follows that frame
 * is the writer's tail in progress (a partial frame, zeros, preallocated space), the end for now, never damage:
 * {@link #advance} scans on from there when asked. Whether bad bytes in an older segment are damage is the
 * enumeration's to judge ({@link ReadOnlyIterator}). Thread-safe.
 */
final class ReadOnlySegment {

    /** A record found at a reference: the record and its timestamp. */
    record Found(WalRecord record, long timestamp) {
    }

    private final Path path;
    private final SegmentHeader header;
    private final Storage storage;
    private final ReadOnlyJournal journal;
    // what the scans found so far, guarded by this
    private long validEnd;
    private RecordTally tally;
    private boolean sealed;
    /** Where the newest record scanned starts; -1 when none was scanned (or the seal counted them). */
    private long lastRecord = -1;

    private ReadOnlySegment(Path path, SegmentHeader header, Storage storage, ReadOnlyJournal journal) {
        this.path = path;
        this.header = header;
        this.storage = storage;
        this.journal = journal;
        this.validEnd = header.dataStart();
        this.tally = new RecordTally(header.createdAt());
    }

    /**
     * The segment at {@code path}, or null when it was deleted meanwhile (compacted).
     *
     * @throws FormatException when its header is unreadable
     */
    static ReadOnlySegment open(Path path, long keyHash, long sequence, Storage storage, ReadOnlyJournal journal)
            throws IOException, FormatException {
        try (FileChannel channel = storage.openForRead(path)) {
            return new ReadOnlySegment(path, SegmentHeader.read(channel, path, keyHash, sequence), storage, journal);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    Path path() {
        return path;
    }

    SegmentHeader header() {
        return header;
    }

    long sequence() {
        return header.sequence();
    }

    /** What the last {@link #advance} found: where the valid frames end, their records, and whether a seal ends them. */
    synchronized long validEnd() {
        return validEnd;
    }

    synchronized long records() {
        return tally.records();
    }

    synchronized long oldest() {
        return tally.oldest();
    }

    synchronized long newest() {
        return tally.newest();
    }

    /**
     * Where the newest record found by the last {@link #advance} starts (the caller saw {@link #records()} above 0);
     * -1 when the file is gone. A segment counted from its seal is scanned for it once.
     */
    synchronized long lastRecordOffset() {
        if (lastRecord < 0) {
            try (FileChannel channel = storage.openForRead(path)) {
                RecordCursor cursor = cursor(channel, 0, false);
                while (cursor.next() == RecordCursor.Kind.RECORD) {
                    lastRecord = cursor.recordOffset();
                }
            } catch (NoSuchFileException e) {
                return -1;
            } catch (IOException e) {
                throw new WalIOException("Could not read segment " + path, e);
            }
        }
        return lastRecord;
    }

    /**
     * Scans the frames written since the last scan, up to the first that is not valid (yet).
     *
     * @return false when the file is gone (compacted)
     */
    synchronized boolean advance() {
        if (sealed) {
            return true;
        }
        try (FileChannel channel = storage.openForRead(path)) {
            long size = channel.size();
            if (tally.records() == 0 && validEnd == header.dataStart()) {
                SegmentScan.Seal seal = SegmentScan.sealAtEnd(channel, header, size);
                if (seal != null) {
                    // a sealed segment is complete in its file: counted from the seal, as recovery does
                    tally = new RecordTally(seal);
                    validEnd = size;
                    sealed = true;
                    return true;
                }
            }
            RecordCursor cursor = cursor(channel, validEnd, false);
            while (true) {
                RecordCursor.Kind kind = cursor.next();
                if (kind == RecordCursor.Kind.RECORD) {
                    tally.count(cursor.timestamp());
                    lastRecord = cursor.recordOffset();
                    validEnd = cursor.position();
                    continue;
                }
                if (kind == RecordCursor.Kind.SEAL) {
                    validEnd = cursor.position() + Frames.SEAL_SIZE;
                    sealed = true;
                }
                return true;
            }
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new WalIOException("Could not read segment " + path, e);
        }
    }

    /** A cursor over the segment's bytes (the file and the journal's ranges of it), from {@code start} to their end. */
    RecordCursor cursor(FileChannel channel, long start, boolean materialize) throws IOException {
        NavigableMap<Long, ByteBuffer> ranges = journal.rangesOf(header.keyHash(), header.sequence());
        long end = channel.size();
        if (!ranges.isEmpty()) {
            var last = ranges.lastEntry();
            end = Math.max(end, last.getKey() + last.getValue().remaining());
        }
        return new RecordCursor(SegmentBytes.overlaid(channel, ranges), header.keyHash(), header.sequence(),
                Math.max(start, header.dataStart()), end, materialize);
    }

    /**
     * The record at {@code ref}, checked.
     *
     * @throws WalEntryNotFoundException when no complete record starts there (yet), or the file is gone
     * @throws WalCorruptionException when bytes the segment's valid frames pass through fail their check there
     */
    Found read(EntryRef ref, WalEvents events) {
        long offset = ref.offset();
        if (offset < header.dataStart() || (offset & (Frames.ALIGNMENT - 1)) != 0) {
            throw new WalEntryNotFoundException("No entry starts at offset " + offset + " of segment "
                    + path.getFileName() + " (entries start at " + header.dataStart() + " or later, at multiples of 8): "
                    + ref);
        }
        try (FileChannel channel = storage.openForRead(path)) {
            RecordCursor cursor = cursor(channel, offset, true);
            RecordCursor.Kind kind = cursor.next();
            if (kind == RecordCursor.Kind.RECORD) {
                events.reads.increment();
                return new Found(new WalRecord(ref, cursor.header(), cursor.content()), cursor.timestamp());
            }
            if (kind == RecordCursor.Kind.BAD && !advance()) {
                throw gone(ref);
            }
            if (kind == RecordCursor.Kind.BAD && offset < validEnd() && !RecordCursor.NO_MAGIC.equals(cursor.problem())) {
                throw events.corrupt(new WalCorruptionException("The record at offset " + offset + " of segment " + path
                        + " fails its check (" + cursor.problem() + "): the bytes are damaged, or the reference does not "
                        + "point at an entry of this key and segment: " + ref));
            }
            throw new WalEntryNotFoundException("No complete entry at offset " + offset + " of segment "
                    + path.getFileName() + " (its valid entries end at " + validEnd() + "; a writer may not have "
                    + "handed it to the operating system yet): " + ref);
        } catch (NoSuchFileException e) {
            throw gone(ref);
        } catch (IOException e) {
            throw new WalIOException("Could not read segment " + path, e);
        }
    }

    private WalEntryNotFoundException gone(EntryRef ref) {
        return new WalEntryNotFoundException("Segment " + path.getFileName() + " is gone (compacted by the writer): "
                + ref);
    }
}
