package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * A read-only view's enumeration of one key: its segments as listed when the stream was made, each read up to
 * its last valid frame when the stream reaches it. The newest segment's first invalid frame is the writer's tail
 * in progress: the end. In an older segment a bad frame with nothing valid after it is a torn write that the
 * writer's next open cuts (skipped); with valid frames after it, damage ({@link WalCorruptionException}). A segment
 * compacted meanwhile is skipped: its entries expired. One open file at a time.
 */
final class ReadOnlyIterator extends SegmentWalk<ReadOnlySegment> {

    private final long startOffset;
    private final boolean skipDamaged;

    /**
     * @param startOffset where to start in the first segment (0 for its first entry)
     * @param skipDamaged whether damage in a segment before the newest is skipped, reading on at the next valid
     *     frame, instead of failing the stream
     */
    ReadOnlyIterator(List<ReadOnlySegment> segments, long startOffset, Storage storage, WalEvents events,
            boolean skipDamaged) {
        super(segments, storage, events);
        this.skipDamaged = skipDamaged;
        this.startOffset = startOffset;
    }

    @Override
    Path path(ReadOnlySegment segment) {
        return segment.path();
    }

    @Override
    RecordCursor open(int index, ReadOnlySegment segment, FileChannel file) throws IOException {
        return segment.cursor(file, index == 0 ? startOffset : 0, true);
    }

    @Override
    EntryRef reference() {
        ReadOnlySegment segment = current();
        return new EntryRef(segment.header().keyHash(), segment.sequence(), cursor.recordOffset());
    }

    @Override
    boolean readOnAfter(RecordCursor.Kind kind, FileChannel file) throws IOException {
        if (kind != RecordCursor.Kind.BAD || inLastSegment()) {
            return false;
        }
        long at = cursor.recordOffset();
        long next = cursor.nextValidFrame(at);
        if (next >= 0 && skipDamaged) {
            cursor.seek(next);
            return true;
        }
        if (next >= 0) {
            throw events.corrupt(new WalCorruptionException("Segment " + current().path() + " is corrupt at offset "
                    + at + " (" + cursor.problem() + ") and valid entries follow the damage"));
        }
        return false;
    }
}
