package dev.nanowal.internal.format;

import dev.nanowal.internal.io.SegmentBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * How a segment file ends (FORMAT.md, "What ends a segment, and recovery"): the one verdict that recovery acts
 * on and that the CLI's {@code verify} and {@code repair} report, so the two can never disagree. Reads only.
 */
public final class SegmentScan {

    /** How the valid frames of a segment end. */
    public enum Ending {
        /** A valid seal; {@link Verdict#validEnd()} is where it ends. */
        SEALED,
        /** The end of the file, or zeros up to it (preallocated, or blocks a crash left unwritten). */
        CLEAN,
        /** A bad frame with nothing valid after it: a torn write, safe to cut. */
        TORN_TAIL,
        /** A bad frame with valid frames after it: damage, not a torn write; reported, never cut silently. */
        CORRUPT_MIDDLE
    }

    /**
     * What a scan found.
     *
     * @param validEnd where the last valid frame (record or seal) ends: the segment's end after recovery
     * @param size the file's size
     * @param records the valid records before {@code validEnd}
     * @param oldest the oldest record's timestamp, or the segment's creation time when it holds none
     * @param newest the newest record's timestamp, or the segment's creation time when it holds none
     * @param sealEntries the entry count the seal states (only when {@link Ending#SEALED})
     * @param zerosAfter whether {@code [validEnd, size)} holds only zeros (true when it is empty)
     * @param problem what is wrong at {@code validEnd} (only for a torn tail or corruption in the middle)
     */
    public record Verdict(Ending ending, long validEnd, long size, long records, long oldest, long newest,
            long sealEntries, boolean zerosAfter, String problem) {

        /** The bytes after the valid frames. */
        public long bytesAfter() {
            return size - validEnd;
        }
    }

    /**
     * What a scan through damage found (see {@link #survey}).
     *
     * @param end where the last valid frame ends
     * @param records the valid records, the ones after damage included
     * @param oldest the oldest record's timestamp, or {@code createdAt} when there is none
     * @param newest the newest record's timestamp, or {@code createdAt} when there is none
     * @param sealed whether the last valid frame is a seal
     * @param damaged the byte ranges that hold no valid frame, in file order
     */
    public record Survey(long end, long records, long oldest, long newest, boolean sealed, List<Damage> damaged) {
    }

    /** Bytes {@code [from, to)} that hold no valid frame, and what is wrong at {@code from}. */
    public record Damage(long from, long to, String problem) {

        public boolean covers(long offset) {
            return offset >= from && offset < to;
        }
    }

    /** What a seal states about its segment. */
    public record Seal(long entries, long oldest, long newest) {
    }

    private static final int ZEROS_CHUNK = 64 * 1024;

    private SegmentScan() {
    }

    /**
     * Scans every frame of {@code channel} after {@code header}, up to {@code size}.
     *
     * @param window the read-ahead buffer (see {@link RecordCursor}); a caller scanning many segments in turn
     *     passes the same one
     */
    public static Verdict scan(FileChannel channel, SegmentHeader header, long size, ByteBuffer window)
            throws IOException {
        RecordCursor cursor = new RecordCursor(SegmentBytes.of(channel), header.keyHash(), header.sequence(),
                header.dataStart(), size, false, window);
        RecordTally tally = new RecordTally(header.createdAt());
        while (true) {
            RecordCursor.Kind kind = cursor.next();
            if (kind == RecordCursor.Kind.RECORD) {
                tally.count(cursor.timestamp());
                continue;
            }
            long end = cursor.position();
            if (kind == RecordCursor.Kind.SEAL) {
                long sealEnd = end + Frames.SEAL_SIZE;
                return new Verdict(Ending.SEALED, sealEnd, size, tally.records(), tally.oldest(), tally.newest(),
                        cursor.sealEntries(), zerosOnly(channel, sealEnd, size), null);
            }
            if (kind == RecordCursor.Kind.END && zerosOnly(channel, end, size)) {
                return new Verdict(Ending.CLEAN, end, size, tally.records(), tally.oldest(), tally.newest(), 0, true,
                        null);
            }
            String found = kind == RecordCursor.Kind.BAD ? cursor.problem() : "zero bytes";
            // read before validFrameAfter, which moves the cursor
            Ending ending = cursor.validFrameAfter(end) ? Ending.CORRUPT_MIDDLE : Ending.TORN_TAIL;
            return new Verdict(ending, end, size, tally.records(), tally.oldest(), tally.newest(), 0, false, found);
        }
    }

    /**
     * Scans every frame from {@code start} to {@code size}, going on after each bad stretch at the next valid
     * frame ({@link RecordCursor#nextValidFrame(long)}): what a segment kept despite damage in its middle holds.
     * Zeros up to the end of the file are not damage; zeros followed by anything else are.
     *
     * @param createdAt the timestamps to report when no record is found
     */
    public static Survey survey(FileChannel channel, long keyHash, long sequence, long start, long size,
            long createdAt, ByteBuffer window) throws IOException {
        RecordCursor cursor = new RecordCursor(SegmentBytes.of(channel), keyHash, sequence, start, size, false, window);
        RecordTally tally = new RecordTally(createdAt);
        long end = start;
        boolean sealed = false;
        List<Damage> damaged = new ArrayList<>(1);
        while (true) {
            RecordCursor.Kind kind = cursor.next();
            if (kind == RecordCursor.Kind.RECORD) {
                tally.count(cursor.timestamp());
                end = cursor.position();
                continue;
            }
            long at = cursor.position();
            if (kind == RecordCursor.Kind.SEAL) {
                end = at + Frames.SEAL_SIZE;
                sealed = true;
                if (!zerosOnly(channel, end, size)) {
                    damaged.add(new Damage(end, size, "bytes after the seal"));
                }
                break;
            }
            if (kind == RecordCursor.Kind.END && zerosOnly(channel, at, size)) {
                break;
            }
            String problem = kind == RecordCursor.Kind.BAD ? cursor.problem() : "zero bytes";
            long next = cursor.nextValidFrame(at);
            damaged.add(new Damage(at, next < 0 ? size : next, problem));
            if (next < 0) {
                break;
            }
            cursor.seek(next);
        }
        return new Survey(end, tally.records(), tally.oldest(), tally.newest(), sealed, List.copyOf(damaged));
    }

    /**
     * The seal that ends the file, read without scanning the records before it; null when the last
     * {@link Frames#SEAL_SIZE} bytes are not a valid seal of this segment at that offset.
     */
    public static Seal sealAtEnd(FileChannel channel, SegmentHeader header, long size) throws IOException {
        long at = size - Frames.SEAL_SIZE;
        if (at < header.dataStart()) {
            return null;
        }
        ByteBuffer seal = ByteBuffer.allocate(Frames.SEAL_SIZE);
        while (seal.hasRemaining() && channel.read(seal, at + seal.position()) >= 0) {
            // reads the 40 bytes
        }
        if (seal.hasRemaining() || !Frames.hasMagic(seal, 0, Frames.SEAL_MAGIC)
                || !Frames.sealCrcMatches(new CRC32C(), ByteBuffer.allocate(Frames.CRC_PREFIX_SIZE), header.keyHash(),
                        header.sequence(), at, seal, 0)) {
            return null;
        }
        return new Seal(seal.getLong(Frames.SEAL_COUNT_AT), seal.getLong(Frames.SEAL_OLDEST_AT),
                seal.getLong(Frames.SEAL_NEWEST_AT));
    }

    /** Whether {@code [from, to)} of the file holds only zeros: preallocated space, not damage. */
    private static boolean zerosOnly(FileChannel channel, long from, long to) throws IOException {
        if (from >= to) {
            return true;
        }
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(to - from, ZEROS_CHUNK));
        for (long at = from; at < to; ) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), to - at));
            int read = channel.read(chunk, at);
            if (read < 0) {
                return true;
            }
            for (int i = 0; i < chunk.position(); i++) {
                if (chunk.get(i) != 0) {
                    return false;
                }
            }
            at += read;
        }
        return true;
    }
}
