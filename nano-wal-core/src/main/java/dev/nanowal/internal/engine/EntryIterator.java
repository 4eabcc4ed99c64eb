package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalRecord;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads a key's entries lazily, segment by segment, in constant memory: one open file and one read-ahead
 * buffer at a time. It sees the segments and the active segment's end as they were when it was created.
 * {@link #contents()} streams the same entries as contents only, with no record or reference per entry.
 */
final class EntryIterator implements Iterator<WalRecord>, AutoCloseable {

    private final List<Segment> segments;
    private final List<Segment.ReadSnapshot> snapshots;
    private final Storage storage;
    private final WalEvents events;
    private final boolean skipDamaged;
    private int index = -1;
    private final long startOffset;
    private FileChannel channel;
    private RecordCursor cursor;
    /** The cursor's segment's key hash and sequence, for the references of its records. */
    private long keyHash;
    private long sequence;
    /** Shared by the cursors of all segments read in turn: one allocation per stream, not per segment. */
    private ByteBuffer window;
    /** Whether the cursor holds a record that {@code next} has not returned yet. */
    private boolean ready;
    private boolean closed;
    /** Records read but not yet added to the shared counter: a contended add per record cost 5% of a scan. */
    private int unreportedReads;

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
        this.skipDamaged = skipDamaged;
        this.segments = segments;
        this.snapshots = snapshots;
        this.startOffset = startOffset;
        this.storage = storage;
        this.events = events;
    }

    @Override
    public boolean hasNext() {
        if (!ready && !closed) {
            ready = advance();
        }
        return ready;
    }

    @Override
    public WalRecord next() {
        take();
        return new WalRecord(new EntryRef(keyHash, sequence, cursor.recordOffset()), cursor.header(), cursor.content());
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
        return segments.get(index);
    }

    /** The entries, as a stream that closes this iterator. */
    Stream<WalRecord> records() {
        return stream(this);
    }

    /** The entries' contents: what {@code Wal.enumerateRecords} returns, without a {@link WalRecord} per entry. */
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

    private <T> Stream<T> stream(Iterator<T> items) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(items, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(this::close);
    }

    private void take() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ready = false;
    }

    private boolean advance() {
        try {
            while (true) {
                if (cursor == null && !openNextSegment()) {
                    close();
                    return false;
                }
                RecordCursor.Kind kind = cursor.next();
                if (kind == RecordCursor.Kind.RECORD) {
                    if (++unreportedReads == 1024) {
                        reportReads();
                    }
                    return true;
                }
                Segment segment = segments.get(index);
                long end = snapshots.get(index).end();
                boolean damaged = kind == RecordCursor.Kind.BAD
                        || (kind == RecordCursor.Kind.END && cursor.recordOffset() < end);
                if (damaged && skipDamaged) {
                    long next = cursor.nextValidFrame(cursor.recordOffset());
                    if (next >= 0) {
                        cursor.seek(next);
                    } else {
                        closeSegment();
                    }
                    continue;
                }
                if (kind == RecordCursor.Kind.BAD) {
                    // lists the damage of a sealed segment that opening trusted without scanning it
                    segment.surveyedDamageAt(cursor.recordOffset(), channel);
                    throw events.corrupt(new WalCorruptionException("Segment " + segment.path() + " is corrupt at offset "
                            + cursor.recordOffset() + ": " + cursor.problem()));
                }
                if (kind == RecordCursor.Kind.END && cursor.recordOffset() < end) {
                    throw events.corrupt(new WalCorruptionException("Segment " + segment.path() + " is corrupt at offset "
                            + cursor.recordOffset() + ": zero bytes or an early end of file before its end at "
                            + end));
                }
                closeSegment();
            }
        } catch (IOException e) {
            close();
            throw new WalIOException("Could not read segment " + segments.get(index).path(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private boolean openNextSegment() throws IOException {
        while (++index < segments.size()) {
            Segment segment = segments.get(index);
            try {
                channel = storage.openForRead(segment.path());
            } catch (NoSuchFileException e) {
                // compacted since the iterator was made: its entries expired, nothing to return
                continue;
            }
            long start = index == 0 ? Math.max(startOffset, segment.header().dataStart()) : segment.header().dataStart();
            Segment.ReadSnapshot snapshot = snapshots.get(index);
            if (window == null) {
                window = ByteBuffer.allocate(RecordCursor.READ_AHEAD);
            }
            keyHash = segment.header().keyHash();
            sequence = segment.sequence();
            cursor = new RecordCursor(snapshot.over(channel), keyHash, sequence, start, snapshot.end(), true, window);
            return true;
        }
        return false;
    }

    private void closeSegment() throws IOException {
        cursor = null;
        if (channel != null) {
            FileChannel open = channel;
            channel = null;
            open.close();
        }
    }

    private void reportReads() {
        events.reads.add(unreportedReads);
        unreportedReads = 0;
    }

    /** Also called when the last record has been read, so the read counter is exact once a stream is done. */
    @Override
    public void close() {
        closed = true;
        ready = false;
        reportReads();
        try {
            closeSegment();
        } catch (IOException e) {
            System.getLogger(WalEngine.LOGGER).log(System.Logger.Level.WARNING, "Closing a segment reader failed", e);
        }
    }
}
