package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalIOException;
import dev.nanowal.WalRecord;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.tail.TailReader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;

/**
 * What a tailer of a read-only view reads next: it reads on from the position it reached in the key's current
 * segment (its file and the journal's ranges of it), moves to the next segment at a seal, and when the files as it
 * knows them hold nothing new, looks at the directory and the journal again. It sees what the writer handed to the
 * operating system, never the writer's write buffer. {@code SignalledTailer} waits between reads for the
 * {@link DirectoryWatch}. Not thread-safe.
 */
final class ReadOnlyTailer implements TailReader {

    private final ReadOnlyEngine view;
    private final String key;
    private final TailProgress progress;

    /**
     * @param sequence the segment of the next entry, -1 for the oldest held (a segment that is gone counts as a skip
     *     when the tailer moves on from it)
     * @param from where the next entry starts in it
     */
    ReadOnlyTailer(ReadOnlyEngine view, String key, long sequence, long from) {
        this.view = view;
        this.key = key;
        this.progress = new TailProgress(sequence, from);
    }

    @Override
    public WalRecord next() {
        ReadOnlyKeys.Key known = view.knownKeys().byName(key);
        WalRecord next = known == null ? null : step(known);
        if (next != null) {
            return next;
        }
        view.refresh();
        known = view.knownKeys().byName(key);
        return known == null ? null : step(known);
    }

    @Override
    public long skipped() {
        return progress.skipped();
    }

    @Override
    public void close() {
        // holds no file between reads
    }

    private WalRecord step(ReadOnlyKeys.Key known) {
        while (true) {
            long sequence = progress.sequence();
            ReadOnlySegment segment = sequence < 0 ? known.bySequence().firstEntry().getValue() : known.segment(sequence);
            if (segment == null) {
                ReadOnlySegment later = known.after(sequence);
                if (later == null) {
                    return null;
                }
                // the segment the tailer was in is gone: compacted, with entries it may not have returned
                progress.moveTo(later.sequence(), true);
                continue;
            }
            if (sequence < 0) {
                progress.moveTo(segment.sequence(), false);
            }
            try (FileChannel channel = view.storage().openForRead(segment.path())) {
                RecordCursor cursor = segment.cursor(channel, progress.offset(), true);
                if (cursor.next() == RecordCursor.Kind.RECORD) {
                    progress.readTo(cursor.position());
                    view.events().reads.increment();
                    return new WalRecord(new EntryRef(known.keyHash(), progress.sequence(), cursor.recordOffset()),
                            cursor.header(), cursor.content());
                }
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                throw new WalIOException("Could not read segment " + segment.path(), e);
            }
            // past a seal, or past the torn end of a segment that a newer one follows, the key goes on there
            ReadOnlySegment later = known.after(progress.sequence());
            if (later == null) {
                return null;
            }
            progress.moveTo(later.sequence(), false);
        }
    }
}
