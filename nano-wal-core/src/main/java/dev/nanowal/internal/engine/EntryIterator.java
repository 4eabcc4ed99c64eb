package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a key's entries lazily, segment by segment, in constant memory: one open file and one read-ahead
 * buffer at a time. It sees the segments and the active segment's end as they were when it was created.
 * {@link #contents()} streams the same entries as contents only, with no record or reference per entry.
 */
final class EntryIterator extends SegmentWalk<Segment> {

    private final List<Segment.ReadSnapshot> snapshots;
    private final boolean skipDamaged;
    private final long startOffset;
    /** The cursor's segment's key hash and sequence, for the references of its records. */
    private long keyHash;
    private long sequence;
    /** Where the cursor's segment ends, as its snapshot saw it. */
    private long end;
    /** Shared by the cursors of all segments read in turn: one allocation per stream, not per segment. */
    private ByteBuffer window;

    /**
     * @param segments the segments to read, oldest first
     * @param snapshots where each segment ends, and its unflushed bytes
     * @param startOffset where to start in the first segment (its data start for "from the beginning")
     * @param skipDamaged whether damaged bytes are skipped, reading on at the next valid frame
     *     ({@link RecordCursor#nextValidFrame(long)}), instead of failing the stream with a
     *     {@code WalCorruptionException}
     */
    EntryIterator(List<Segment> segments, List<Segment.ReadSnapshot> snapshots, long startOffset, Storage storage,
            WalEvents events, boolean skipDamaged) {
        super(segments, storage, events);
        this.skipDamaged = skipDamaged;
        this.snapshots = snapshots;
        this.startOffset = startOffset;
    }

    /**
     * Reads through {@code window} instead of a buffer of its own: for a reader that makes one iterator after
     * another (a tailer, at every wake-up), which would otherwise allocate a read-ahead buffer each time.
     */
    void readThrough(ByteBuffer window) {
        if (this.window == null) {
            this.window = window;
        }
    }

    /** The segment of the record {@link #next()} returned last. */
    Segment segment() {
        return current();
    }

    /** The entries' contents: what {@code Wal.enumerateRecords} returns, without a {@link dev.nanowal.WalRecord} per entry. */
    Stream<byte[]> contents() {
        return stream(new Iterator<>() {
            @Override
            public boolean hasNext() {
                return EntryIterator.this.hasNext();
            }

            @Override
            public byte[] next() {
                take();
                return cursor.content();
            }
        });
    }

    @Override
    Path path(Segment segment) {
        return segment.path();
    }

    @Override
    RecordCursor open(int index, Segment segment, FileChannel file) {
        long start = index == 0 ? Math.max(startOffset, segment.header().dataStart()) : segment.header().dataStart();
        Segment.ReadSnapshot snapshot = snapshots.get(index);
        if (window == null) {
            window = ByteBuffer.allocate(RecordCursor.READ_AHEAD);
        }
        keyHash = segment.header().keyHash();
        sequence = segment.sequence();
        end = snapshot.end();
        return new RecordCursor(snapshot.over(file), keyHash, sequence, start, end, true, window);
    }

    @Override
    EntryRef reference() {
        return new EntryRef(keyHash, sequence, cursor.recordOffset());
    }

    /** Bad bytes, or an end before the snapshot's, are damage: skipped when asked to, else they fail the stream. */
    @Override
    boolean readOnAfter(RecordCursor.Kind kind, FileChannel file) throws IOException {
        boolean damaged = kind == RecordCursor.Kind.BAD
                || (kind == RecordCursor.Kind.END && cursor.recordOffset() < end);
        if (damaged && skipDamaged) {
            long next = cursor.nextValidFrame(cursor.recordOffset());
            if (next >= 0) {
                cursor.seek(next);
                return true;
            }
            return false;
        }
        Segment segment = current();
        if (kind == RecordCursor.Kind.BAD) {
            // lists the damage of a sealed segment that opening trusted without scanning it
            segment.surveyedDamageAt(cursor.recordOffset(), file);
            throw events.corrupt(new WalCorruptionException("Segment " + segment.path() + " is corrupt at offset "
                    + cursor.recordOffset() + ": " + cursor.problem()));
        }
        if (damaged) {
            throw events.corrupt(new WalCorruptionException("Segment " + segment.path() + " is corrupt at offset "
                    + cursor.recordOffset() + ": zero bytes or an early end of file before its end at " + end));
        }
        return false;
    }
}
