package dev.nanowal.cli;

import dev.nanowal.CursorInfo;
import dev.nanowal.EntryRef;
import dev.nanowal.internal.engine.WalFiles;
import dev.nanowal.internal.format.CursorFormat;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.io.SegmentBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cursor lines of {@code stats}: each cursor file's committed position and the entries its key holds after it
 * (the record counts of newer segments, and a scan of the position's own segment past it).
 */
final class CursorSummary {

    private CursorSummary() {
    }

    /**
     * @param segments every key's segment files by hash and sequence
     * @param records the records of each segment file, as {@code stats} counted them
     */
    static List<String> lines(WalFiles files, Path dir, Map<Long, TreeMap<Long, Path>> segments,
            Map<Path, Long> records) throws IOException {
        TreeMap<String, String> byName = new TreeMap<>();
        for (String name : WalFiles.names(dir)) {
            if (!CursorFormat.isCursorFile(name)) {
                continue;
            }
            CursorFormat.Position cursor;
            try {
                cursor = CursorFormat.decode(name, files.readAll(dir.resolve(name)));
            } catch (FormatException e) {
                byName.put(name, "  (unreadable cursor file " + name + ": " + e.getMessage() + ")");
                continue;
            }
            TreeMap<Long, Path> keySegments = segments.getOrDefault(cursor.keyHash(), new TreeMap<>());
            long behind = 0;
            for (Map.Entry<Long, Path> segment : keySegments.tailMap(cursor.sequence(), true).entrySet()) {
                behind += segment.getKey() == cursor.sequence() ? after(files, segment.getValue(), cursor)
                        : records.getOrDefault(segment.getValue(), 0L);
            }
            byName.put(cursor.name() + '\0' + cursor.key(), line(cursor.name(), cursor.key(),
                    new EntryRef(cursor.keyHash(), cursor.sequence(), cursor.offset()),
                    Instant.ofEpochMilli(cursor.committedAt()), behind));
        }
        return new ArrayList<>(byName.values());
    }

    /** A cursor's line, without the time of its commit (which {@link CursorInfo} does not carry). */
    static String line(CursorInfo cursor) {
        return line(cursor.name(), cursor.key(), cursor.position(), null, cursor.entriesBehind());
    }

    /** @param committed when the position was committed; null when not known */
    private static String line(String name, String key, EntryRef position, Instant committed, long behind) {
        return "cursor " + Json.quote(name) + " key " + Json.quote(key) + ": segment="
                + (position == null ? "-" : position.sequenceNumber()) + " offset="
                + (position == null ? "-" : position.offset()) + (committed == null ? "" : " committed=" + committed)
                + " behind=" + behind;
    }

    /** The records of the cursor's segment after its committed one. */
    private static long after(WalFiles files, Path segment, CursorFormat.Position cursor) throws IOException {
        try (FileChannel channel = files.open(segment)) {
            SegmentHeader header = SegmentHeader.read(channel, segment, cursor.keyHash(), cursor.sequence());
            long start = Math.max(cursor.offset(), header.dataStart());
            RecordCursor records = new RecordCursor(SegmentBytes.of(channel), cursor.keyHash(), cursor.sequence(),
                    start, channel.size(), false, ByteBuffer.allocate(RecordCursor.READ_AHEAD));
            long count = 0;
            while (records.next() == RecordCursor.Kind.RECORD) {
                count++;
            }
            // the committed entry itself, when it is still there
            return start == cursor.offset() && count > 0 ? count - 1 : count;
        } catch (FormatException e) {
            return 0;
        }
    }
}
