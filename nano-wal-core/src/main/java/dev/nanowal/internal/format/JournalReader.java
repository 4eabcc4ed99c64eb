package dev.nanowal.internal.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Reads the valid records of one journal file in order, up to the first that is not (zeros, a torn or damaged
 * record, or one an older generation left in a recycled file): the one decoder of journal records, for replay at
 * open, for the checkpoint's rewrite of segments whose own fsync failed, for the CLI and for a read-only view. The file is read a
 * window of up to {@value #WINDOW} bytes at a time, not a record at a time: replaying a journal of small records
 * would otherwise cost two reads per record.
 */
public final class JournalReader {

    private static final int WINDOW = 16 * 1024 * 1024;

    /** Receives one record: the bytes that belong at {@code offset} of segment ({@code keyHash}, {@code sequence}). */
    @FunctionalInterface
    public interface Visitor {

        /**
         * One valid record. {@code data} is a view of the reader's window: it stays valid until the next
         * {@link #windowEnds()}, so a visitor may keep it until then (replay gathers the writes of a window).
         */
        void record(long keyHash, long sequence, long offset, int entries, ByteBuffer data) throws IOException;

        /** The window is about to be read over, or the read ends: the {@code data} handed over so far goes stale. */
        default void windowEnds() throws IOException {
        }
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
        return read(channel, generation, JournalFormat.FILE_HEADER_SIZE, WINDOW, visitor);
    }

    /**
     * Like {@link #read(FileChannel, long, Visitor)}, from the record at {@code from} (where an earlier read ended),
     * through a window of at most {@code window} bytes: a read-only view follows a journal file that its writer is
     * still appending to, and reads a little at a time.
     */
    public static End read(FileChannel channel, long generation, long from, int window, Visitor visitor)
            throws IOException {
        End end = new Window(channel, from, window).scan(generation, from, visitor);
        visitor.windowEnds();
        return end;
    }

    /** The file's bytes {@code [start, start + length)} in one buffer, refilled as the scan moves on. */
    private static final class Window {
        private final FileChannel channel;
        private final long size;
        private final ByteBuffer buffer;
        private long start;
        private int length;

        Window(FileChannel channel, long from, int window) throws IOException {
            this.channel = channel;
            this.size = channel.size();
            // direct, so that replay's gathering writes of the records' data copy nothing more
            this.buffer = ByteBuffer.allocateDirect((int) Math.max(JournalFormat.RECORD_HEADER_SIZE,
                    Math.min(window, size - from)));
        }

        End scan(long generation, long first, Visitor visitor) throws IOException {
            CRC32C crc = new CRC32C();
            long at = first;
            while (at + JournalFormat.RECORD_HEADER_SIZE <= size) {
                int head = holding(at, JournalFormat.RECORD_HEADER_SIZE, visitor);
                int dataLength = JournalFormat.dataLength(buffer, head);
                if (dataLength == 0 && buffer.getLong(head + JournalFormat.GENERATION_AT) == 0) {
                    return new End(at, false);
                }
                if (dataLength <= 0 || at + JournalFormat.recordSize(dataLength) > size) {
                    return new End(at, true);
                }
                int recordLength = JournalFormat.RECORD_HEADER_SIZE + dataLength;
                ByteBuffer in = buffer;
                int from;
                if (recordLength <= buffer.capacity()) {
                    from = holding(at, recordLength, visitor);
                } else {
                    // larger than the window (a range of up to a quarter of a journal file): read on its own
                    in = ByteBuffer.allocate(recordLength);
                    readFully(channel, in, at);
                    from = 0;
                }
                if (!JournalFormat.isValid(in, from, crc, generation)) {
                    return new End(at, in.getLong(from + JournalFormat.GENERATION_AT) == generation);
                }
                visitor.record(in.getLong(from + JournalFormat.KEY_HASH_AT), in.getLong(from + JournalFormat.SEQUENCE_AT),
                        in.getLong(from + JournalFormat.OFFSET_AT), in.getInt(from + JournalFormat.ENTRIES_AT),
                        in.slice(from + JournalFormat.RECORD_HEADER_SIZE, dataLength));
                at += JournalFormat.recordSize(dataLength);
            }
            return new End(at, false);
        }

        /** Where the file's bytes {@code [at, at + count)} are in the buffer, reading them in from {@code at} if need be. */
        private int holding(long at, int count, Visitor visitor) throws IOException {
            if (at >= start && at + count <= start + length) {
                return (int) (at - start);
            }
            visitor.windowEnds();
            buffer.clear();
            if (size - at < buffer.capacity()) {
                buffer.limit((int) (size - at));
            }
            readFully(channel, buffer, at);
            start = at;
            length = buffer.position();
            return 0;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        int from = into.position();
        while (into.hasRemaining()) {
            if (channel.read(into, position + into.position() - from) < 0) {
                return;
            }
        }
    }
}
