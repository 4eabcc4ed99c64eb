package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalIOException;
import dev.nanowal.WalRecord;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A lazy read of one key's segments, oldest first, one open file at a time: what the writer's enumeration
 * ({@link EntryIterator}) and a read-only view's ({@link ReadOnlyIterator}) share. A segment compacted since the
 * list was made is skipped (its entries expired). What a frame that is not a record means (the end of a segment,
 * a torn tail, damage) is the subclass's to judge, in {@link #readOnAfter}. A failed read closes the walk. Not
 * thread-safe.
 *
 * @param <S> the segments, as the subclass knows them
 */
abstract class SegmentWalk<S> implements Iterator<WalRecord>, AutoCloseable {

    private final List<S> segments;
    private final Storage storage;
    final WalEvents events;
    private int index = -1;
    private FileChannel channel;
    /** The current segment's records; null between segments. */
    RecordCursor cursor;
    /** Whether the cursor holds a record that {@code next} has not returned yet. */
    private boolean ready;
    private boolean closed;
    /** Records read but not yet added to the shared counter: a contended add per record cost 5% of a scan. */
    private int unreportedReads;

    SegmentWalk(List<S> segments, Storage storage, WalEvents events) {
        this.segments = segments;
        this.storage = storage;
        this.events = events;
    }

    abstract Path path(S segment);

    /** A cursor over the records of {@code segment}, the walk's {@code index}th: from the walk's start in the first. */
    abstract RecordCursor open(int index, S segment, FileChannel file) throws IOException;

    /** The reference of the record the cursor has just read. */
    abstract EntryRef reference();

    /**
     * What follows a frame of the current segment that is not a record ({@code kind}: bad bytes, an end, a seal).
     *
     * @param file the segment's open file
     * @return true when the cursor was moved to read on in this segment, false to go on at the next segment
     * @throws dev.nanowal.WalCorruptionException when the walk must fail there
     */
    abstract boolean readOnAfter(RecordCursor.Kind kind, FileChannel file) throws IOException;

    /** The segment of the record {@link #next()} returned last. */
    final S current() {
        return segments.get(index);
    }

    /** Whether the current segment is the last of the walk. */
    final boolean inLastSegment() {
        return index == segments.size() - 1;
    }

    @Override
    public final boolean hasNext() {
        if (!ready && !closed) {
            ready = advance();
        }
        return ready;
    }

    @Override
    public final WalRecord next() {
        take();
        return new WalRecord(reference(), cursor.header(), cursor.content());
    }

    /** The entries, as a stream that closes this walk. */
    final Stream<WalRecord> records() {
        return stream(this);
    }

    /** {@code items} as a stream that closes this walk; {@code items} read the walk through {@link #take()}. */
    final <T> Stream<T> stream(Iterator<T> items) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(items, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(this::close);
    }

    /** Moves on to the next record, which the cursor then holds. */
    final void take() {
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
                if (!readOnAfter(kind, channel)) {
                    closeSegment();
                }
            }
        } catch (IOException e) {
            close();
            throw new WalIOException("Could not read segment " + path(current()), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private boolean openNextSegment() throws IOException {
        while (++index < segments.size()) {
            S segment = segments.get(index);
            try {
                channel = storage.openForRead(path(segment));
            } catch (NoSuchFileException e) {
                // compacted since the walk was made: its entries expired, nothing to return
                continue;
            }
            cursor = open(index, segment, channel);
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

    /** Also called when the last record has been read, so the read counter is exact once a walk is done. */
    @Override
    public final void close() {
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
