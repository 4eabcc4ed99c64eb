package dev.nanowal.internal.engine;

import dev.nanowal.internal.format.JournalFormat;
import dev.nanowal.internal.format.JournalReader;
import dev.nanowal.internal.format.Limits;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opening a WAL with a commit journal: writes every range of the live journal files (those no checkpoint retired)
 * at its segment offset, in generation order (FORMAT.md, "The commit journal"). Idempotent: a crash during replay,
 * or before the ranges are fsynced in their segments, replays again. Runs before {@link Recovery}, which then
 * finds every acknowledged durable entry in its segment.
 *
 * <p>What happens to the files then depends on whether the WAL goes on with the journal. With it, the files stay
 * live and the segments unsynced ({@link Result#owed()}): the journal keeps them as the record of those bytes until
 * the first checkpoint has fsynced every segment replay wrote, and retires them then, as it does its own files; so
 * an open pays no fsync per touched segment. Without the journal there is no checkpoint to wait for: the touched
 * segments are fsynced (several at once, {@link SyncPool}), the promises recorded ({@link DurableExtents}) and the
 * files retired before the open goes on. Either way one directory fsync covers the files replay had to create.
 *
 * <p>The writes: the ranges of one window of the journal ({@link JournalReader}) are written per segment, each run
 * of adjoining ranges in one gathering write, segments on as many threads as there are processors.
 */
final class JournalReplay {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);
    /** Writing into the page cache is copying: more threads than processors gain nothing. */
    private static final int WRITE_THREADS = Runtime.getRuntime().availableProcessors();

    /**
     * What replay found and left: the files to reuse, and where the journal's generations go on.
     *
     * @param live the journal files left live, by generation, oldest first: empty unless the fsyncs were deferred
     * @param owed the segments written and not fsynced, each with the newest generation that holds a range of it:
     *     empty unless the fsyncs were deferred; the files in {@code live} may retire only once these are fsynced
     */
    record Result(List<Path> spares, int slots, long nextGeneration, long records, long bytes, long nanos,
            TreeMap<Long, Path> live, Map<Path, Long> owed) {
    }

    /** A segment replay writes to, opened once, and the newest journal generation that wrote to it. */
    private static final class Target {
        final int index;
        final FileChannel channel;
        long generation;

        Target(int index, FileChannel channel) {
            this.index = index;
            this.channel = channel;
        }
    }

    /** A record's data, written at {@code offset} of its target when its window of the journal ends. */
    private record Pending(Target target, long offset, ByteBuffer data) {
    }

    private final Path directory;
    private final Storage storage;
    private final SyncPool syncPool;
    private final DurableExtents extents;
    private final Map<Path, Target> touched = new LinkedHashMap<>();
    private final Map<Long, Map<Long, Path>> segments = new HashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private final boolean deferFsyncs;
    private long generation;
    private boolean created;
    private long records;
    private long bytes;

    private JournalReplay(Path directory, Storage storage, SyncPool syncPool, DurableExtents extents,
            boolean deferFsyncs) {
        this.directory = directory;
        this.storage = storage;
        this.syncPool = syncPool;
        this.extents = extents;
        this.deferFsyncs = deferFsyncs;
    }

    /**
     * @param extents told every range replayed, and saved before the journal files are retired
     * @param deferFsyncs whether the WAL goes on with the journal, whose first checkpoint then fsyncs the segments
     *     and retires the files (see the class comment); the caller makes sure nothing retires them before
     */
    static Result run(Path directory, Storage storage, List<Path> ownFiles, SyncPool syncPool,
            DurableExtents extents, boolean deferFsyncs) throws IOException {
        return new JournalReplay(directory, storage, syncPool, extents, deferFsyncs).replay(ownFiles);
    }

    private Result replay(List<Path> ownFiles) throws IOException {
        long started = System.nanoTime();
        TreeMap<Long, Path> live = new TreeMap<>();
        List<Path> spares = new ArrayList<>();
        int slots = 0;
        long highest = 0;
        for (Path file : ownFiles) {
            String name = file.getFileName().toString();
            int slot = JournalFormat.slotOf(name);
            if (slot >= 0) {
                slots = Math.max(slots, slot + 1);
                long generation = generationOf(file);
                if (generation > 0) {
                    live.put(generation, file);
                    highest = Math.max(highest, generation);
                } else {
                    spares.add(file);
                }
                continue;
            }
            SegmentNames.Parsed parsed = SegmentNames.parse(name);
            if (parsed != null) {
                segments.computeIfAbsent(parsed.keyHash(), hash -> new HashMap<>()).put(parsed.sequence(), file);
            }
        }
        try {
            for (Map.Entry<Long, Path> file : live.entrySet()) {
                generation = file.getKey();
                replayFile(file.getValue(), file.getKey());
            }
            if (!deferFsyncs) {
                syncPool.runEach(new ArrayList<>(touched.values()), target -> target.channel.force(true));
            }
            if (created) {
                storage.fsyncDirectory(directory);
            }
        } finally {
            for (Target target : touched.values()) {
                target.channel.close();
            }
        }
        Map<Path, Long> owed = new HashMap<>();
        TreeMap<Long, Path> kept = new TreeMap<>();
        if (deferFsyncs) {
            touched.forEach((segment, target) -> owed.put(segment, target.generation));
            kept.putAll(live);
        } else {
            extents.saveReplayed();
            for (Path file : live.values()) {
                erase(file);
                spares.add(file);
            }
        }
        long nanos = System.nanoTime() - started;
        if (!live.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Replayed the commit journal of {0}: {1} ranges ({2} bytes) from {3} files "
                    + "into {4} segments in {5} ms{6}", directory, records, bytes, live.size(), touched.size(),
                    nanos / 1_000_000, deferFsyncs ? "; the first checkpoint fsyncs them, then retires the files" : "");
        }
        return new Result(spares, slots, highest + 1, records, bytes, nanos, kept, owed);
    }

    private long generationOf(Path file) throws IOException {
        try (FileChannel channel = storage.openForRead(file)) {
            return JournalReader.generation(channel);
        }
    }

    /** Applies the file's records up to the first that is not valid: a torn tail, or an older generation's. */
    private void replayFile(Path file, long generation) throws IOException {
        try (FileChannel channel = storage.openForRead(file)) {
            JournalReader.End end = JournalReader.read(channel, generation, new JournalReader.Visitor() {
                @Override
                public void record(long keyHash, long sequence, long offset, int entries, ByteBuffer data)
                        throws IOException {
                    apply(keyHash, sequence, offset, data);
                }

                @Override
                public void windowEnds() throws IOException {
                    writePending();
                }
            });
            if (end.damaged()) {
                LOG.log(System.Logger.Level.WARNING, "The commit journal {0} ends at offset {1} with a record that "
                        + "fails its CRC32C: a commit cut short by a crash, never acknowledged; the rest is ignored",
                        file, end.offset());
            }
        }
    }

    private void apply(long keyHash, long sequence, long offset, ByteBuffer data) throws IOException {
        Path segment = segments.getOrDefault(keyHash, Map.of()).get(sequence);
        if (segment == null) {
            if (offset != 0) {
                LOG.log(System.Logger.Level.WARNING, "The commit journal holds bytes of segment {0} of key hash {1}, "
                        + "which is gone (deleted by hand?); skipped", sequence, Long.toHexString(keyHash));
                return;
            }
            String key = keyOf(data);
            if (key == null) {
                LOG.log(System.Logger.Level.WARNING, "The commit journal holds the start of segment {0} of key hash {1} "
                        + "without a readable segment header; skipped", sequence, Long.toHexString(keyHash));
                return;
            }
            segment = directory.resolve(SegmentNames.fileName(key, keyHash, sequence));
            storage.createNew(segment).close();
            created = true;
            segments.computeIfAbsent(keyHash, hash -> new HashMap<>()).put(sequence, segment);
        }
        Target target = touched.get(segment);
        if (target == null) {
            target = new Target(touched.size(), storage.openForWrite(segment));
            touched.put(segment, target);
        }
        target.generation = generation;
        extents.replayed(keyHash, sequence, offset + data.remaining());
        pending.add(new Pending(target, offset, data));
        records++;
        bytes += data.remaining();
    }

    /**
     * Writes the window's ranges segment by segment, in journal order within each segment (a range sent again
     * after a failed commit overlaps an earlier one: the later one is written last); adjoining ranges go in one
     * gathering write. Segments are written on as many threads as there are processors, each segment by one.
     */
    private void writePending() throws IOException {
        pending.sort(Comparator.comparingInt(write -> write.target().index)); // stable: journal order kept
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            if (i == 0 || pending.get(i).target() != pending.get(i - 1).target()) {
                starts.add(i);
            }
        }
        starts.add(pending.size());
        AtomicInteger next = new AtomicInteger();
        List<Integer> lanes = new ArrayList<>();
        for (int i = 0; i < Math.min(WRITE_THREADS, starts.size() - 1); i++) {
            lanes.add(i);
        }
        syncPool.runEach(lanes, lane -> {
            for (int segment = next.getAndIncrement(); segment < starts.size() - 1; segment = next.getAndIncrement()) {
                writeSegment(starts.get(segment), starts.get(segment + 1));
            }
        });
        pending.clear();
    }

    /** Writes {@code pending[from, to)}, the window's ranges of one segment. */
    private void writeSegment(int from, int to) throws IOException {
        while (from < to) {
            Pending first = pending.get(from);
            long end = first.offset() + first.data().remaining();
            int last = from + 1;
            while (last < to && pending.get(last).offset() == end) {
                end += pending.get(last).data().remaining();
                last++;
            }
            ByteBuffer[] run = new ByteBuffer[last - from];
            for (int i = from; i < last; i++) {
                run[i - from] = pending.get(i).data();
            }
            FileChannel channel = first.target().channel;
            channel.position(first.offset());
            while (run[run.length - 1].hasRemaining()) {
                channel.write(run);
            }
            from = last;
        }
    }

    /** The key a range from offset 0 holds in its segment header, to name a segment file the crash lost. */
    private static String keyOf(ByteBuffer header) {
        if (header.remaining() < SegmentHeader.FIXED_SIZE) {
            return null;
        }
        int length = header.getInt(SegmentHeader.KEY_LENGTH_AT);
        if (length < 0 || length > Limits.MAX_KEY_BYTES || SegmentHeader.FIXED_SIZE + length > header.remaining()) {
            return null;
        }
        byte[] key = new byte[length];
        header.get(SegmentHeader.FIXED_SIZE, key);
        return new String(key, StandardCharsets.UTF_8);
    }

    private void erase(Path file) throws IOException {
        try (FileChannel channel = storage.openForWrite(file)) {
            Journal.eraseHeader(channel);
        }
    }
}
