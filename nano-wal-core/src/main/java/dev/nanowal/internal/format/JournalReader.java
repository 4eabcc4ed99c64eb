package dev.nanowal.internal.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Reads the valid records of one journal file in order, up to the first that is not (zeros, a torn or damaged
 * record, or one an older generation left in a recycled file): the one decoder of journal records, for replay at
 * open and for the checkpoint's rewrite of segments whose own fsync failed.
 */
public final class JournalReader {

    /** Receives one record: the bytes that belong at {@code offset} of segment ({@code keyHash}, {@code sequence}). */
    @FunctionalInterface
    public interface Visitor {
        void record(long keyHash, long sequence, long offset, int entries, ByteBuffer data) throws IOException;
    }

    /** How a file's records ended. */
    public record End(long offset, boolean damaged) {
    }

    private JournalReader() {
    }

    /** The generation in the file's header, or -1 when it has none (a spare). */
    public static long generation(FileChannel channel) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(JournalFormat.FILE_HEADER_SIZE);
        readFully(channel, header, 0);
        header.flip();
        return JournalFormat.generation(header);
    }

    /**
     * Hands every valid record of {@code generation} to {@code visitor}, in order.
     *
     * @return where the records ended, and whether a record there failed its CRC (rather than zeros or the file's end)
     */
    public static End read(FileChannel channel, long generation, Visitor visitor) throws IOException {
        CRC32C crc = new CRC32C();
        long size = channel.size();
        long at = JournalFormat.FILE_HEADER_SIZE;
        ByteBuffer head = ByteBuffer.allocate(JournalFormat.RECORD_HEADER_SIZE);
        while (at + JournalFormat.RECORD_HEADER_SIZE <= size) {
            head.clear();
            readFully(channel, head, at);
            int length = JournalFormat.dataLength(head, 0);
            if (length == 0 && head.getLong(JournalFormat.GENERATION_AT) == 0) {
                return new End(at, false);
            }
            if (length <= 0 || at + JournalFormat.recordSize(length) > size) {
                return new End(at, true);
            }
            ByteBuffer record = ByteBuffer.allocate(JournalFormat.RECORD_HEADER_SIZE + length);
            readFully(channel, record, at);
            if (!JournalFormat.isValid(record, 0, crc, generation)) {
                return new End(at, record.getLong(JournalFormat.GENERATION_AT) == generation);
            }
            visitor.record(record.getLong(JournalFormat.KEY_HASH_AT), record.getLong(JournalFormat.SEQUENCE_AT),
                    record.getLong(JournalFormat.OFFSET_AT), record.getInt(JournalFormat.ENTRIES_AT),
                    record.position(JournalFormat.RECORD_HEADER_SIZE).slice());
            at += JournalFormat.recordSize(length);
        }
        return new End(at, false);
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, position + into.position()) < 0) {
                return;
            }
        }
    }
}
