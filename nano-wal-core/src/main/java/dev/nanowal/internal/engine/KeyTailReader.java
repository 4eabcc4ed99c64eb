package dev.nanowal.internal.engine;

import dev.nanowal.WalException;
import dev.nanowal.WalRecord;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.tail.TailReader;
import java.nio.ByteBuffer;

/**
 * A {@link TailReader} over one key of an open WAL: reads through an {@link EntryIterator} until it ends, then
 * through a fresh one from where it stopped, so that it sees appends made since. On entering another segment it
 * checks that it missed nothing: the segment it leaves was read to its end and the new one directly follows it,
 * otherwise compaction deleted unread entries and {@link #skipped()} counts it. The log is looked up by hash on
 * every fresh iterator: compaction may have replaced it.
 */
final class KeyTailReader implements TailReader {

    private final Keys keys;
    private final String key;
    private final long keyHash;
    /** The segment of the next entry, or null (see {@link TailPosition#segment()}). */
    private Segment at;
    private final TailProgress progress;
    private EntryIterator records;
    /** The read-ahead buffer of every iterator in turn: one per wake-up would be 64 KiB of garbage each. */
    private ByteBuffer window;

    KeyTailReader(Keys keys, String key, long keyHash, TailPosition from) {
        this.keys = keys;
        this.key = key;
        this.keyHash = keyHash;
        this.at = from.segment();
        this.progress = new TailProgress(from.sequence(), from.next());
    }

    @Override
    public WalRecord next() {
        // an interrupted poller would close the shared channels it reads (see Interrupts)
        return Interrupts.asideDuring(this::read);
    }

    private WalRecord read() {
        if (records != null && records.hasNext()) {
            return take();
        }
        closeRecords();
        KeyLog log = keys.byHash(keyHash);
        if (log == null) {
            return null;
        }
        if (!log.key().equals(key)) {
            throw new WalException("Key '" + key + "' has the same 64-bit hash (" + Long.toHexString(keyHash)
                    + ") as key '" + log.key() + "'; it cannot be tailed");
        }
        records = log.entriesFrom(new TailPosition(at, progress.sequence(), progress.offset()));
        if (window == null) {
            window = ByteBuffer.allocate(RecordCursor.READ_AHEAD);
        }
        records.readThrough(window);
        if (records.hasNext()) {
            return take();
        }
        closeRecords();
        return null;
    }

    private WalRecord take() {
        WalRecord record = records.next();
        Segment segment = records.segment();
        if (segment != at) {
            boolean provenContiguous = at != null && progress.offset() >= at.recordsEnd()
                    && segment.previousSequence() == at.sequence();
            progress.moveTo(segment.sequence(), progress.sequence() >= 0 && !provenContiguous);
            at = segment;
        }
        progress.readTo(record.ref().offset() + Frames.recordSize(record.header().length, record.content().length));
        return record;
    }

    @Override
    public long skipped() {
        return progress.skipped();
    }

    private void closeRecords() {
        if (records != null) {
            records.close();
            records = null;
        }
    }

    @Override
    public void close() {
        closeRecords();
    }
}
