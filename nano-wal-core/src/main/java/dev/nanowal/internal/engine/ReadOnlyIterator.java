package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalRecord;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
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
 * A read-only view's enumeration of one key: its segments as listed when the stream was made, each read up to
 * its last valid frame when the stream reaches it. The newest segment's first invalid frame is the writer's tail
 * in progress: the end. In an older segment a bad frame with nothing valid after it is a torn write that the
 * writer's next open cuts (skipped); with valid frames after it, damage ({@link WalCorruptionException}). A segment
 * compacted meanwhile is skipped: its entries expired. One open file at a time.
 */
final class ReadOnlyIterator implements Iterator<WalRecord>, AutoCloseable {

    private final List<ReadOnlySegment> segments;
    private final long startOffset;
    private final Storage storage;
    private final WalEvents events;
    private final boolean skipDamaged;
    private int index = -1;
    private FileChannel channel;
    private RecordCursor cursor;
    private boolean ready;
    private boolean closed;

    /**
     * @param startOffset where to start in the first segment (0 for its first entry)
     * @param skipDamaged whether damage in a segment before the newest is skipped, reading on at the next valid
     *     frame, instead of failing the stream
     */
    ReadOnlyIterator(List<ReadOnlySegment> segments, long startOffset, Storage storage, WalEvents events,
            boolean skipDamaged) {
        this.skipDamaged = skipDamaged;
        this.segments = segments;
        this.startOffset = startOffset;
        this.storage = storage;
        this.events = events;
    }

    /** The entries, as a stream that closes this iterator. */
    Stream<WalRecord> records() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(this::close);
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
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ready = false;
        ReadOnlySegment segment = segments.get(index);
        return new WalRecord(new EntryRef(segment.header().keyHash(), segment.sequence(), cursor.recordOffset()),
                cursor.header(), cursor.content());
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
                    events.reads.increment();
                    return true;
                }
                if (kind == RecordCursor.Kind.BAD) {
                    if (index == segments.size() - 1) {
                        close();
                        return false;
                    }
                    long at = cursor.recordOffset();
                    long next = cursor.nextValidFrame(at);
                    if (next >= 0 && skipDamaged) {
                        cursor.seek(next);
                        continue;
                    }
                    if (next >= 0) {
                        ReadOnlySegment segment = segments.get(index);
                        throw events.corrupt(new WalCorruptionException("Segment " + segment.path() + " is corrupt at "
                                + "offset " + at + " (" + cursor.problem() + ") and valid entries follow the damage"));
                    }
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
            ReadOnlySegment segment = segments.get(index);
            try {
                channel = storage.openForRead(segment.path());
            } catch (NoSuchFileException e) {
                continue;
            }
            cursor = segment.cursor(channel, index == 0 ? startOffset : 0, true);
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

    @Override
    public void close() {
        closed = true;
        ready = false;
        try {
            closeSegment();
        } catch (IOException e) {
            System.getLogger(WalEngine.LOGGER).log(System.Logger.Level.WARNING, "Closing a segment reader failed", e);
        }
    }
}
