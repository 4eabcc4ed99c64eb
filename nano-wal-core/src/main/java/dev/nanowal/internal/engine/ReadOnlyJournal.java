package dev.nanowal.internal.engine;

import dev.nanowal.internal.format.JournalFormat;
import dev.nanowal.internal.format.JournalReader;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The commit journal as a read-only view sees it: the ranges of segments that the live journal files hold, by
 * segment, in memory, laid over the segment files when they are read. With the journal a durable append's bytes may
 * be in the journal (written and fdatasynced) while they wait in the writer's write buffer for the segment; without
 * this overlay a reader in another process would not see an acknowledged durable entry until the writer's next
 * checkpoint. Reads only: nothing is replayed or changed.
 *
 * <p>Each live file is followed from where it was last read; when a file's generation changes (a checkpoint retired
 * it, or reused it), every range is read again from the live files: a retired file's ranges are in their segments,
 * which the checkpoint fsynced before retiring it. A range's bytes are the segment's own at that offset (segments
 * are append-only and sequence numbers are never reused), so a range seen late or twice never shows wrong bytes,
 * and each record read through it is checked by its CRC as always. Thread-safe.
 */
final class ReadOnlyJournal {

    /** A segment's identity, as a journal record names it. */
    private record SegmentId(long keyHash, long sequence) {
    }

    /** How far one live journal file was read. */
    private record Followed(long generation, long readTo) {
    }

    /** What is read of a journal file at a time: a refresh reads only the records committed since the last. */
    private static final int WINDOW = 256 * 1024;
    private static final NavigableMap<Long, ByteBuffer> NONE = Collections.unmodifiableNavigableMap(
            new ConcurrentSkipListMap<>());

    private final Storage storage;
    private final Map<Path, Followed> followed = new HashMap<>();
    private volatile Map<SegmentId, NavigableMap<Long, ByteBuffer>> ranges = new ConcurrentHashMap<>();

    ReadOnlyJournal(Storage storage) {
        this.storage = storage;
    }

    /** The journal's ranges of one segment, by offset, not overlapping: a live map that later refreshes add to. */
    NavigableMap<Long, ByteBuffer> rangesOf(long keyHash, long sequence) {
        return ranges.getOrDefault(new SegmentId(keyHash, sequence), NONE);
    }

    /** Reads what the journal files among {@code files} (the directory's entries) gained since the last refresh. */
    synchronized void refresh(List<Path> files) throws IOException {
        Map<Path, Long> generations = new HashMap<>();
        for (Path file : files) {
            if (JournalFormat.slotOf(file.getFileName().toString()) >= 0) {
                long generation = generationOf(file);
                if (generation > 0) {
                    generations.put(file, generation);
                }
            }
        }
        boolean changed = false;
        for (Map.Entry<Path, Followed> file : followed.entrySet()) {
            Long now = generations.get(file.getKey());
            changed |= now == null || now != file.getValue().generation();
        }
        if (changed) {
            followed.clear();
            ranges = new ConcurrentHashMap<>();
        }
        // generation order, so that a range re-sent after a failed commit lands after the first attempt
        generations.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(file -> follow(file.getKey(),
                file.getValue()));
    }

    private long generationOf(Path file) throws IOException {
        try (FileChannel channel = storage.openForRead(file)) {
            return JournalReader.generation(channel);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    private void follow(Path file, long generation) {
        Followed before = followed.get(file);
        long from = before == null ? JournalFormat.FILE_HEADER_SIZE : before.readTo();
        Map<SegmentId, NavigableMap<Long, ByteBuffer>> into = ranges;
        try (FileChannel channel = storage.openForRead(file)) {
            JournalReader.End end = JournalReader.read(channel, generation, from, WINDOW, (keyHash, sequence, offset,
                    entries, data) -> add(into.computeIfAbsent(new SegmentId(keyHash, sequence),
                            id -> new ConcurrentSkipListMap<>()), offset, data));
            // a record cut short is the writer's commit in progress: read again from there next time
            followed.put(file, new Followed(generation, end.offset()));
        } catch (IOException e) {
            // a file retired or removed meanwhile: its ranges are in their segments; the next refresh sees it
            followed.remove(file);
        }
    }

    /** Adds the parts of {@code [offset, offset + data)} that no range holds yet (where they overlap, bytes agree). */
    private static void add(NavigableMap<Long, ByteBuffer> segment, long offset, ByteBuffer data) {
        // a copy: data is a view of the reader's window, which it reads over
        ByteBuffer bytes = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip().asReadOnlyBuffer();
        long to = offset + bytes.remaining();
        long at = offset;
        while (at < to) {
            Map.Entry<Long, ByteBuffer> below = segment.floorEntry(at);
            if (below != null && below.getKey() + below.getValue().remaining() > at) {
                at = below.getKey() + below.getValue().remaining();
                continue;
            }
            Long next = segment.higherKey(at);
            long pieceEnd = next == null ? to : Math.min(to, next);
            int start = bytes.position() + (int) (at - offset);
            segment.put(at, bytes.slice(start, (int) (pieceEnd - at)).asReadOnlyBuffer());
            at = pieceEnd;
        }
    }
}
