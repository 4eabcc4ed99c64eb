package dev.nanowal.internal.engine;

import dev.nanowal.WalIOException;
import dev.nanowal.internal.format.JournalFormat;
import dev.nanowal.internal.format.JournalReader;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.CRC32C;

/**
 * The commit journal shared by every key (FORMAT.md, "The commit journal"): a durable append hands it the bytes of
 * its key's segments that are not yet durable, and returns once one write and one fdatasync of the journal covered
 * them. Whoever arrives while a commit runs is covered by the next, led by one of them ({@link GroupCommit}), so
 * durable appends to any number of keys share fsyncs. The segments stay the layout of record: a checkpoint fsyncs
 * them and then retires the journal files it covered ({@link #roll}, {@link #retireUpTo}); opening replays what no
 * checkpoint covered ({@link JournalReplay}).
 *
 * <p>Threads: {@link #submit} is called under the key's lock, so one segment's ranges are queued in append order;
 * the leader alone touches the current file, the write buffer and each segment's encoded position
 * ({@link SegmentJournalState#encodedTo()}); {@link #files} guards the lists of live and spare files, which the
 * checkpoint also changes.
 */
final class Journal {

    /** Zeros a new journal file starts with; it grows by doubling up to the file size. */
    private static final int INITIAL_ZEROS = 64 * 1024;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();
    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    /** A byte range of one segment, copied under its key's lock. */
    record Range(Segment segment, long from, long to, int entries, byte[] bytes) {
    }

    /** What one durable append (or batch) waits for; a roll request carries no ranges. */
    static final class Ticket {
        private final List<Range> ranges;
        private final boolean roll;
        private volatile boolean finished;
        private volatile WalIOException failure;
        private long rolledFrom;

        private Ticket(List<Range> ranges, boolean roll) {
            this.ranges = ranges;
            this.roll = roll;
        }
    }

    /** One journal file: its slot in the directory and, while live, its generation. */
    static final class JournalFile {
        final Path path;
        FileChannel channel;
        long generation;
        long position;
        long zeroedTo;

        JournalFile(Path path, FileChannel channel, long size) {
            this.path = path;
            this.channel = channel;
            this.zeroedTo = size;
        }
    }

    private final Path directory;
    private final Storage storage;
    /** The directory's identity when the journal started (see {@link Storage#fileKey}), or null. */
    private final Object directoryKey;
    private final WalEvents events;
    private final long fileSize;
    private final int maxFiles;
    private final Runnable checkpointNeeded;
    private final ConcurrentLinkedQueue<Ticket> queue = new ConcurrentLinkedQueue<>();
    private final GroupCommit groupCommit = new GroupCommit();
    private final ReturningWaiters returning = new ReturningWaiters();
    private final CRC32C crc = new CRC32C();

    private final Object files = new Object();
    private final Deque<JournalFile> spares = new ArrayDeque<>();
    private final List<JournalFile> live = new ArrayList<>();
    private int slots;
    private long nextGeneration;

    private JournalFile current;
    private boolean checkpointAsked;
    private boolean broken;
    private ByteBuffer writeBuffer = ByteBuffer.allocateDirect(256 * 1024);

    /**
     * @param spareSlots the files replay retired, reused before new ones are made
     * @param replayedLive the files replay left live, by generation: retired by the first checkpoint, like the
     *     journal's own, once it has fsynced the segments they cover
     * @param nextGeneration the generation of the next file: above every one found on disk
     * @param checkpointNeeded asked to run a checkpoint (not on this thread) when a journal file fills up
     */
    Journal(Path directory, Storage storage, WalEvents events, long fileSize, int maxFiles, List<Path> spareSlots,
            Map<Long, Path> replayedLive, int slots, long nextGeneration, Runnable checkpointNeeded) {
        this.directory = directory;
        this.storage = storage;
        // null when it cannot be known: then only the file's name is checked
        this.directoryKey = storage.fileKeyIfKnown(directory);
        this.events = events;
        this.fileSize = fileSize;
        this.maxFiles = maxFiles;
        this.slots = slots;
        this.nextGeneration = nextGeneration;
        this.checkpointNeeded = checkpointNeeded;
        for (Path spare : spareSlots) {
            spares.add(new JournalFile(spare, null, -1));
        }
        replayedLive.forEach((generation, path) -> {
            JournalFile file = new JournalFile(path, null, -1);
            file.generation = generation;
            live.add(file);
        });
    }

    /** The largest range the journal takes; a durable append with more fsyncs its segments itself. */
    long maxRangeBytes() {
        return fileSize / 4;
    }

    /** Queues a durable append's ranges; the caller holds the key's lock, so a segment's ranges keep their order. */
    Ticket submit(List<Range> ranges) {
        Ticket ticket = new Ticket(ranges, false);
        queue.add(ticket);
        returning.arrived();
        return ticket;
    }

    /**
     * Returns once the ticket's ranges are durable in the journal.
     *
     * @throws WalIOException when the journal could not make them durable
     */
    void await(Ticket ticket) {
        groupCommit.await(() -> ticket.finished, this::commitAsLeader);
        if (ticket.failure != null) {
            throw ticket.failure;
        }
    }

    /**
     * Starts a new journal file for every commit after this call and returns the generation of the last file
     * before it: once every segment is fsynced, the files up to it hold nothing that is not in a segment.
     */
    long roll() {
        Ticket ticket = new Ticket(List.of(), true);
        queue.add(ticket);
        await(ticket);
        return ticket.rolledFrom;
    }

    /**
     * The oldest generation of the live files (those a next open would replay), or {@link Long#MAX_VALUE}: a
     * segment whose records are all older ({@link SegmentJournalState#generation()}) is in no live file.
     */
    long oldestLiveGeneration() {
        synchronized (files) {
            long oldest = Long.MAX_VALUE;
            for (JournalFile file : live) {
                oldest = Math.min(oldest, file.generation);
            }
            return oldest;
        }
    }

    /** Whether the journal holds records that no checkpoint covered yet. */
    boolean hasLiveRecords() {
        synchronized (files) {
            return !live.isEmpty();
        }
    }

    /**
     * Retires the journal files of generations up to {@code generation}: their headers are zeroed and fsynced, so
     * no later open replays them, and they become spares for the next files. The caller fsynced every segment
     * that their records cover.
     */
    void retireUpTo(long generation) throws IOException {
        List<JournalFile> retiring = new ArrayList<>();
        synchronized (files) {
            for (JournalFile file : live) {
                if (file.generation <= generation) {
                    retiring.add(file);
                }
            }
        }
        for (JournalFile file : retiring) {
            erase(file);
            synchronized (files) {
                live.remove(file);
                spares.add(file);
            }
        }
    }

    /**
     * For a checkpoint: writes the ranges that the journal files up to {@code generation} hold of {@code failed}
     * (segments whose own fsync failed, so that what the kernel had of them is in doubt) into those segments
     * again, and fsyncs them, so the files can retire. Fails when the disk still fails; the journal keeps them.
     */
    void rewrite(List<Segment> failed, long generation) throws IOException {
        Map<Long, Map<Long, Segment>> wanted = new HashMap<>();
        for (Segment segment : failed) {
            wanted.computeIfAbsent(segment.header().keyHash(), hash -> new HashMap<>()).put(segment.sequence(), segment);
        }
        List<JournalFile> sources = new ArrayList<>();
        synchronized (files) {
            for (JournalFile file : live) {
                if (file.generation <= generation) {
                    sources.add(file);
                }
            }
        }
        sources.sort(Comparator.comparingLong(file -> file.generation));
        Map<Segment, FileChannel> targets = new IdentityHashMap<>();
        Map<Segment, Long> ends = new IdentityHashMap<>();
        try {
            for (JournalFile file : sources) {
                try (FileChannel channel = storage.openForRead(file.path)) {
                    JournalReader.read(channel, file.generation, (keyHash, sequence, offset, entries, data) -> {
                        Segment segment = wanted.getOrDefault(keyHash, Map.of()).get(sequence);
                        if (segment != null) {
                            FileChannel target = targets.get(segment);
                            if (target == null) {
                                target = storage.openForWrite(segment.path());
                                targets.put(segment, target);
                            }
                            long at = offset;
                            while (data.hasRemaining()) {
                                at += target.write(data, at);
                            }
                            ends.merge(segment, at, Math::max);
                        }
                    });
                }
            }
            for (Map.Entry<Segment, FileChannel> target : targets.entrySet()) {
                target.getValue().force(false);
                target.getKey().journalState().rewritten(ends.get(target.getKey()));
            }
        } finally {
            for (FileChannel target : targets.values()) {
                target.close();
            }
        }
        LOG.log(System.Logger.Level.WARNING, "Checkpoint of {0}: wrote the journal''s ranges of {1} segments whose "
                + "fsync had failed into them again", directory, targets.size());
    }

    /** Zeroes the header of a file, fsyncs it and closes it: from then on it replays nothing. */
    private void erase(JournalFile file) throws IOException {
        FileChannel channel = file.channel != null ? file.channel : storage.openForWrite(file.path);
        try {
            eraseHeader(channel);
        } finally {
            channel.close();
            file.channel = null;
        }
    }

    /** Zeroes a journal file's header and fsyncs it: a retired file, which replays nothing. */
    static void eraseHeader(FileChannel channel) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(JournalFormat.FILE_HEADER_SIZE);
        while (zeros.hasRemaining()) {
            channel.write(zeros, zeros.position());
        }
        channel.force(false);
    }

    /**
     * On close, after every segment was fsynced: retires every file, the current one too, so the next open has
     * nothing to replay, and closes them.
     */
    void retireAll() throws IOException {
        Ticket ticket = new Ticket(List.of(), true);
        queue.add(ticket);
        await(ticket);
        retireUpTo(Long.MAX_VALUE);
    }

    /** Closes the files without retiring them (a failed close: the next open replays them). */
    void closeFiles() {
        synchronized (files) {
            for (JournalFile file : live) {
                closeQuietly(file);
            }
            for (JournalFile file : spares) {
                closeQuietly(file);
            }
        }
    }

    private static void closeQuietly(JournalFile file) {
        if (file.channel != null) {
            try {
                file.channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "Closing " + file.path + " failed", e);
            }
            file.channel = null;
        }
    }

    /** Runs as the group commit's leader: writes and fdatasyncs every ticket queued so far. Never throws. */
    private void commitAsLeader() {
        returning.awaitBeforeCommit();
        List<Ticket> batch = new ArrayList<>();
        for (Ticket ticket = queue.poll(); ticket != null; ticket = queue.poll()) {
            batch.add(ticket);
        }
        if (batch.isEmpty()) {
            return;
        }
        boolean interrupted = Interrupts.setAside();
        try {
            commit(batch);
        } finally {
            Interrupts.restore(interrupted);
        }
    }

    private void commit(List<Ticket> batch) {
        List<Ticket> writes = new ArrayList<>(batch.size());
        long bytes = 0;
        int entries = 0;
        Map<Segment, Boolean> keys = new IdentityHashMap<>();
        for (Ticket ticket : batch) {
            if (ticket.roll) {
                roll(ticket);
                continue;
            }
            WalIOException gap = gapBefore(ticket);
            if (gap != null) {
                finish(ticket, gap);
                continue;
            }
            writes.add(ticket);
            for (Range range : ticket.ranges) {
                bytes += JournalFormat.recordSize(range.bytes.length);
                entries += range.entries;
                range.segment.journalState().encodedTo(range.to);
                keys.put(range.segment, Boolean.TRUE);
            }
        }
        if (writes.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        try {
            JournalFile file = fileFor(bytes);
            write(file, writes, bytes);
            file.channel.force(false);
            checkStillInDirectory(file);
        } catch (IOException e) {
            fail(writes, new WalIOException("The commit journal in " + directory + " could not be written or fsynced; "
                    + "the durable appends it held are not durable", e));
            return;
        } catch (WalIOException e) {
            fail(writes, e);
            return;
        }
        long took = System.nanoTime() - started;
        returning.released(writes.size(), took);
        for (Ticket ticket : writes) {
            for (Range range : ticket.ranges) {
                range.segment.journalState().journaled(range.to);
            }
            finish(ticket, null);
        }
        events.journalCommitted(took, entries, keys.size(), bytes);
    }

    /**
     * An fdatasync of a file unlinked under the open WAL succeeds and keeps nothing, and after the directory was
     * made again at its path a new journal file would hold ranges of segments that are not there: two stats per
     * commit (not per append) tell both from a commit that reached the WAL's own directory. Not one stat of the
     * journal file itself: measured on the benchmark machine (Linux 6.18, ext4), a stat of the file between its
     * commits made each fdatasync write the inode too, one more device write per commit and 1.6x the time (our
     * reading: a stat reads the change time, and with fine-grained timestamps the next write must then stamp the
     * inode anew). A stat of the directory and an access of the file cost no write.
     */
    private void checkStillInDirectory(JournalFile file) throws IOException {
        Object key = storage.fileKey(directory);
        if ((directoryKey != null && !directoryKey.equals(key)) || !storage.exists(file.path)) {
            throw new NoSuchFileException(file.path.toString(), null, "gone after its fdatasync: the WAL directory "
                    + "was deleted, moved or replaced under the open WAL");
        }
    }

    /** A failed commit: the next one goes to a new file (this one may hold a hole), and every ticket fails. */
    private void fail(List<Ticket> writes, WalIOException failure) {
        broken = true;
        events.writeFailed(failure);
        for (Ticket ticket : writes) {
            for (Range range : ticket.ranges) {
                range.segment.journalState().failed();
            }
            finish(ticket, failure);
        }
    }

    /**
     * A range that starts past what its segment has in the journal or on disk follows one whose commit failed:
     * written alone it would leave a hole, so it fails too, and the key's next durable append sends the segment's
     * bytes again from its durable position.
     */
    private static WalIOException gapBefore(Ticket ticket) {
        for (Range range : ticket.ranges) {
            SegmentJournalState state = range.segment.journalState();
            if (range.from > Math.max(state.encodedTo(), range.segment.durablePosition())) {
                state.failed();
                return new WalIOException("An earlier durable append to segment " + range.segment
                        + " failed to reach the commit journal; this one, which follows it, is not durable either");
            }
        }
        return null;
    }

    private static void finish(Ticket ticket, WalIOException failure) {
        ticket.failure = failure;
        ticket.finished = true;
    }

    private void roll(Ticket ticket) {
        if (current == null || current.position == JournalFormat.FILE_HEADER_SIZE) {
            ticket.rolledFrom = current == null ? nextGeneration - 1 : current.generation - 1;
        } else {
            ticket.rolledFrom = current.generation;
            current = null;
            checkpointAsked = false;
        }
        finish(ticket, null);
    }

    /** The file the next {@code bytes} go to: the current one, or a new generation when it is full or broken. */
    private JournalFile fileFor(long bytes) throws IOException {
        if (current != null && !broken && current.position + bytes <= fileSize) {
            if (!checkpointAsked && current.position + bytes > fileSize / 2) {
                // asked at half, so that a spare is usually back by the time this file is full
                checkpointAsked = true;
                checkpointNeeded.run();
            }
            return current;
        }
        if (current != null && !checkpointAsked) {
            checkpointNeeded.run();
        }
        checkpointAsked = false;
        current = null;
        broken = false;
        JournalFile next;
        synchronized (files) {
            next = spares.poll();
            if (next == null && slots >= maxFiles) {
                throw new WalIOException("The commit journal in " + directory + " is full: " + maxFiles
                        + " files of up to " + fileSize + " bytes wait for a checkpoint to fsync the segments they "
                        + "cover (see lastWriteFailure for why checkpoints fail)");
            }
        }
        if (next == null) {
            next = create();
        }
        if (next.channel == null) {
            next.channel = storage.openForWrite(next.path);
            next.zeroedTo = next.channel.size();
        }
        next.generation = nextGeneration++;
        next.position = 0;
        ByteBuffer header = JournalFormat.fileHeader(next.generation);
        while (header.hasRemaining()) {
            next.position += next.channel.write(header, next.position);
        }
        synchronized (files) {
            live.add(next);
        }
        current = next;
        return next;
    }

    /** A new journal file in the next free slot, zero-filled and durable under its name. */
    private JournalFile create() throws IOException {
        int slot;
        synchronized (files) {
            slot = slots++;
        }
        Path path = directory.resolve(JournalFormat.fileName(slot));
        FileChannel channel = storage.createNew(path);
        JournalFile file = new JournalFile(path, channel, 0);
        try {
            zeroFill(file, INITIAL_ZEROS);
            channel.force(true);
            storage.fsyncDirectory(directory);
        } catch (IOException e) {
            channel.close();
            storage.delete(path);
            synchronized (files) {
                slots--;
            }
            throw e;
        }
        return file;
    }

    /**
     * Writes zeros up to {@code end}, so that the fdatasync of the commits there flushes data alone: the file's
     * size and blocks are already allocated (FORMAT.md, "The commit journal").
     */
    private static void zeroFill(JournalFile file, long end) throws IOException {
        ByteBuffer zeros = ZEROS.duplicate();
        long at = file.zeroedTo;
        while (at < end) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), end - at));
            while (zeros.hasRemaining()) {
                at += file.channel.write(zeros, at);
            }
        }
        file.zeroedTo = Math.max(file.zeroedTo, end);
    }

    private void write(JournalFile file, List<Ticket> writes, long bytes) throws IOException {
        if (file.position + bytes > file.zeroedTo) {
            long grown = Math.max(file.position + bytes, Math.min(fileSize, Math.max(INITIAL_ZEROS, file.zeroedTo * 2)));
            zeroFill(file, grown);
        }
        if (writeBuffer.capacity() < bytes) {
            writeBuffer = ByteBuffer.allocateDirect((int) Math.min(Integer.MAX_VALUE - 8, Math.max(bytes,
                    writeBuffer.capacity() * 2L)));
        }
        ByteBuffer out = writeBuffer.clear();
        for (Ticket ticket : writes) {
            for (Range range : ticket.ranges) {
                Segment segment = range.segment;
                JournalFormat.putRecord(out, crc, file.generation, segment.header().keyHash(), segment.sequence(),
                        range.from, range.entries, range.bytes);
                segment.journalState().journaledIn(file.generation);
            }
        }
        out.flip();
        long at = file.position;
        while (out.hasRemaining()) {
            at += file.channel.write(out, at);
        }
        file.position = at;
    }
}
