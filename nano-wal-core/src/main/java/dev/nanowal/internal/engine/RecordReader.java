package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalClosedException;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalRecord;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.format.SegmentScan;
import dev.nanowal.internal.io.SegmentBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** Random access: the one record an {@link EntryRef} points at, checked before it is returned. */
final class RecordReader {

    private RecordReader() {
    }

    /** A record's 24-byte frame header and its body (entry header then content), checked. */
    private record Checked(ByteBuffer head, ByteBuffer body) {
    }

    /** Reads and checks the record at {@code ref.offset()} of {@code segment}. */
    static WalRecord read(Segment segment, EntryRef ref, WalEvents events) {
        Checked record = readChecked(segment, ref, events);
        int headerLength = Frames.headerLength(record.head(), 0);
        byte[] recordHeader = new byte[headerLength];
        byte[] content = new byte[record.body().capacity() - headerLength];
        record.body().get(0, recordHeader).get(headerLength, content);
        return new WalRecord(ref, recordHeader, content);
    }

    /** The append time (epoch ms) of the record at {@code ref.offset()}, once the whole record is checked. */
    static long timestamp(Segment segment, EntryRef ref, WalEvents events) {
        return Frames.timestamp(readChecked(segment, ref, events).head(), 0);
    }

    private static WalCorruptionException damaged(Path path, EntryRef ref, SegmentScan.Damage damage) {
        return new WalCorruptionException("The entry at offset " + ref.offset() + " of segment " + path + " lies in "
                + "damaged bytes [" + damage.from() + ", " + damage.to() + ") (" + damage.problem() + "): " + ref);
    }

    private static Checked readChecked(Segment segment, EntryRef ref, WalEvents events) {
        SegmentHeader header = segment.header();
        Path path = segment.path();
        long offset = ref.offset();
        long end = segment.end();
        SegmentScan.Damage damage = segment.damageAt(offset);
        if (damage != null) {
            throw events.corrupt(damaged(path, ref, damage));
        }
        if (offset < header.dataStart() || (offset & (Frames.ALIGNMENT - 1)) != 0
                || offset > end - Frames.RECORD_HEADER_SIZE) {
            throw new WalEntryNotFoundException("No entry starts at offset " + offset + " of segment "
                    + path.getFileName() + " (entries lie between " + header.dataStart() + " and " + end
                    + ", at multiples of 8): " + ref);
        }
        Segment.ReadSnapshot snapshot = offset + Frames.RECORD_HEADER_SIZE > segment.flushed()
                ? segment.snapshotForReading() : null;
        FileChannel file = segment.pin();
        try {
            SegmentBytes bytes = snapshot == null ? SegmentBytes.of(file) : snapshot.over(file);
            ByteBuffer head = ByteBuffer.allocate(Frames.RECORD_HEADER_SIZE);
            bytes.readFully(head, offset);
            if (!Frames.hasMagic(head, 0, Frames.RECORD_MAGIC)) {
                SegmentScan.Damage found = segment.surveyedDamageAt(offset, file);
                if (found != null) {
                    throw events.corrupt(damaged(path, ref, found));
                }
                throw new WalEntryNotFoundException("No entry starts at offset " + offset + " of segment "
                        + path.getFileName() + " (no record magic there): " + ref);
            }
            int headerLength = Frames.headerLength(head, 0);
            long contentLength = Frames.contentLength(head, 0);
            if (offset + Frames.RECORD_HEADER_SIZE + headerLength + contentLength > end) {
                throw events.corrupt(new WalCorruptionException("The record at offset " + offset + " of segment " + path
                        + " declares " + headerLength + " header and " + contentLength
                        + " content bytes, past the segment's end at " + end));
            }
            if (snapshot == null && offset + Frames.RECORD_HEADER_SIZE + headerLength + contentLength
                    > segment.flushed()) {
                // the frame is in the file and the rest of the record still in the write buffer
                bytes = segment.snapshotForReading().over(file);
            }
            ByteBuffer body = ByteBuffer.allocate(headerLength + (int) contentLength);
            bytes.readFully(body, offset + Frames.RECORD_HEADER_SIZE);
            if (!Frames.recordCrcMatches(new CRC32C(), ByteBuffer.allocate(Frames.CRC_PREFIX_SIZE), header.keyHash(),
                    header.sequence(), offset, head, 0, body, 0, body.capacity())) {
                throw events.corrupt(new WalCorruptionException("The record at offset " + offset + " of segment "
                        + path + " fails its CRC32C check: the bytes are damaged, or the reference does not point at "
                        + "an entry of this key and segment: " + ref));
            }
            events.reads.increment();
            return new Checked(head, body);
        } catch (ClosedChannelException e) {
            throw new WalClosedException("The WAL was closed while reading " + path);
        } catch (IOException e) {
            throw new WalIOException("Could not read segment " + path, e);
        } finally {
            segment.unpin();
        }
    }
}
