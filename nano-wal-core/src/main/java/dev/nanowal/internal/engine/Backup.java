package dev.nanowal.internal.engine;

import dev.nanowal.BackupResult;
import dev.nanowal.CompactionGuard;
import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.internal.format.CursorFormat;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.format.SegmentScan;
import dev.nanowal.internal.format.SequenceFloor;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One online backup ({@code Wal.backup}): a directory that opens as a WAL holding every entry made durable
 * before the backup began, taken while appends go on. {@link #take} makes everything appended so far durable in
 * the segments themselves (a checkpoint), then, with the checkpoint lock still held, takes each key's
 * {@link Part}s under the key's lock and pins their segments against compaction ({@link Snapshot}); the copy
 * runs after the locks are released. A sealed segment whose every byte is fsynced never changes again and is
 * hard-linked when the target is on the same file system; every other segment is copied up to its fsynced
 * length, which always ends on a whole record, so the copy has no torn tail and needs no commit journal.
 *
 * <p>A crash or power loss at any point leaves the target as it was (missing or empty), or holding
 * {@value SegmentNames#BACKUP_INCOMPLETE} (which a WAL refuses to open and {@code verify} reports), or the complete
 * backup: the marker is durable before the first segment file is written, and is deleted only after every file
 * and the directory were fsynced.
 * Not thread-safe: one backup, one thread ({@link #take} makes a new one per call).
 */
final class Backup {

    /**
     * The first {@code length} bytes of a segment, as the backup takes them; {@code whole} when they are all of a
     * sealed segment, whose file then never changes again (it may be linked).
     */
    record Part(Segment segment, long length, boolean whole) {
    }

    /**
     * What one backup takes: the parts of every key, the sequence floor at that moment, and the cursor files as they
     * were read before the checkpoint (so every committed position names an entry the backup holds, or one
     * compacted before).
     */
    static final class Snapshot implements CompactionGuard {

        private final List<Part> parts;
        private final long sequenceFloor;
        private final Map<String, byte[]> cursorFiles;
        private final Set<Long> pinned = new HashSet<>();

        Snapshot(List<Part> parts, long sequenceFloor, Map<String, byte[]> cursorFiles) {
            this.parts = List.copyOf(parts);
            this.sequenceFloor = sequenceFloor;
            this.cursorFiles = Map.copyOf(cursorFiles);
            for (Part part : parts) {
                pinned.add(part.segment().sequence());
            }
        }

        /** Keeps the snapshot's segments until the copy is done; the files of the others may go. */
        @Override
        public boolean mayDelete(String key, long sequenceNumber, Instant newestEntry) {
            return !pinned.contains(sequenceNumber);
        }
    }

    private final Path target;
    private final Storage storage;
    private final FileLock lock;
    private final Path marker;
    private boolean linking = true;
    private int linked;
    private int copied;
    private long bytesCopied;

    private Backup(Path target, Storage storage, FileLock lock) {
        this.target = target;
        this.storage = storage;
        this.lock = lock;
        this.marker = target.resolve(SegmentNames.BACKUP_INCOMPLETE);
    }

    /**
     * What a backup takes of one key's segments, oldest first; the caller holds the key's lock, so that no append
     * or rotation moves the ends meanwhile. A segment counts up to where its own fsyncs reached, and the key's
     * backup stops after a segment that continues past that point: a later segment's entries would follow a gap.
     * A segment whose write failed is the exception (the key went on in a new segment, and nothing past its
     * fsynced length was acknowledged).
     */
    static List<Part> parts(List<Segment> segments) {
        List<Part> parts = new ArrayList<>(segments.size());
        for (Segment segment : segments) {
            long end = segment.end();
            long length = Math.min(segment.fsyncedPosition(), end);
            boolean failed = segment.isFailed();
            if (length >= segment.header().dataStart()) {
                parts.add(new Part(segment, length, !failed && segment.isSealed() && length == end));
            }
            if (length < end && !failed) {
                break;
            }
        }
        return parts;
    }

    /**
     * Takes a backup of the WAL of {@code context} to {@code target}: the {@link Snapshot} under the checkpoint lock,
     * then the copy with only the snapshot's guard held, removed from {@code guards} again when done.
     */
    static BackupResult take(Path target, WalContext context, Checkpoints checkpoints, Keys keys,
            List<CompactionGuard> guards) {
        Path source = context.directory().path();
        Storage storage = context.storage();
        long started = System.nanoTime();
        // segment I/O on shared channels for the sync (see Interrupts)
        return Interrupts.asideDuring(() -> {
            try {
                checkTarget(source, target, storage);
            } catch (IOException e) {
                throw new WalIOException("Could not check the backup target " + target, e);
            }
            Snapshot snapshot = snapshot(context, checkpoints, keys, guards);
            try {
                Backup backup = begin(source, target, storage);
                try {
                    return backup.write(snapshot, started);
                } finally {
                    backup.release();
                }
            } finally {
                guards.remove(snapshot);
            }
        });
    }

    /**
     * What a backup takes, with everything appended so far made durable first, its segments pinned against
     * compaction (remove the snapshot from {@code guards} when done).
     */
    private static Snapshot snapshot(WalContext context, Checkpoints checkpoints, Keys keys,
            List<CompactionGuard> guards) {
        Path directory = context.directory().path();
        return checkpoints.locked(() -> {
            Map<String, byte[]> cursorFiles;
            try {
                // before the sync: every entry a cursor committed to by then was appended before it
                cursorFiles = cursorFiles(directory, context.storage());
            } catch (IOException e) {
                throw new WalIOException("Could not read the cursor files of " + directory, e);
            }
            WalException failure = checkpoints.syncLocked();
            if (failure != null) {
                throw failure;
            }
            List<Part> parts = new ArrayList<>();
            for (KeyLog log : keys.all()) {
                parts.addAll(log.backupParts());
            }
            Snapshot snapshot = new Snapshot(parts, context.directory().nextSequence(), cursorFiles);
            // compaction deletes only under the checkpoint lock: once it is released, the guard is in place
            guards.add(snapshot);
            return snapshot;
        });
    }

    /**
     * Checks the target without changing anything: it must not exist, or be an empty directory, outside the WAL's.
     *
     * @throws WalException naming the problem
     */
    static Path checkTarget(Path source, Path target, Storage storage) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (absolute.startsWith(source)) {
            throw new WalException("Cannot back up " + source + " to " + absolute + ": the target must be outside "
                    + "the WAL's directory");
        }
        if (storage.exists(absolute)) {
            if (!storage.isDirectory(absolute)) {
                throw new WalException("Cannot back up " + source + " to " + absolute + ": it exists and is not a "
                        + "directory");
            }
            int entries = storage.list(absolute).size();
            if (entries > 0) {
                throw new WalException("Cannot back up " + source + " to " + absolute + ": the directory holds "
                        + entries + " entries; the target must not exist or be empty");
            }
        }
        return absolute;
    }

    /**
     * Creates the target if needed, marks it incomplete and takes its lock, so no WAL opens it meanwhile. A new
     * target's directory entry is made durable only after the marker inside it, so a power loss cannot leave it
     * without the marker once it holds anything.
     */
    static Backup begin(Path source, Path target, Storage storage) {
        try {
            Path absolute = checkTarget(source, target, storage);
            boolean create = !storage.exists(absolute);
            if (create) {
                WalDirectory.createDurably(absolute.getParent(), storage);
                storage.createDirectory(absolute);
            }
            markIncomplete(absolute, source, storage);
            if (create) {
                storage.fsyncDirectory(absolute.getParent());
            }
            return new Backup(absolute, storage, WalDirectory.take(absolute, storage));
        } catch (IOException e) {
            throw new WalIOException("Could not start a backup of " + source + " in " + target, e);
        }
    }

    /**
     * Refuses a directory that a backup did not finish: it may hold some segments of a key and not the rest.
     *
     * @param refused what is refused of it, as the message begins ("Cannot open /a/b")
     * @throws WalException when the directory holds {@value SegmentNames#BACKUP_INCOMPLETE}
     */
    static void refuseIfIncomplete(Path directory, Storage storage, String refused) {
        if (storage.exists(directory.resolve(SegmentNames.BACKUP_INCOMPLETE))) {
            throw new WalException(refused + ": it is an incomplete backup (it holds " + SegmentNames.BACKUP_INCOMPLETE
                    + "; the backup that wrote it did not finish). Delete it and take the backup again");
        }
    }

    private static void markIncomplete(Path target, Path source, Storage storage) throws IOException {
        writeNew(target.resolve(SegmentNames.BACKUP_INCOMPLETE), ("A nano-wal backup of " + source + " was being "
                + "written here; while this file exists the backup is incomplete. Delete the directory and take the "
                + "backup again.\n").getBytes(StandardCharsets.UTF_8), storage);
        storage.fsyncDirectory(target);
    }

    /** Writes a new file and fsyncs it; its name is made durable by a later fsync of the directory. */
    private static void writeNew(Path file, byte[] content, Storage storage) throws IOException {
        try (FileChannel channel = storage.createNew(file)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) {
                channel.write(bytes, bytes.position());
            }
            channel.force(true);
        }
    }

    /** The cursor files of {@code directory}, by name (FORMAT.md, "Cursor files"). */
    static Map<String, byte[]> cursorFiles(Path directory, Storage storage) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        for (Path file : storage.list(directory)) {
            String name = file.getFileName().toString();
            if (CursorFormat.isCursorFile(name)) {
                try {
                    files.put(name, storage.readAll(file));
                } catch (NoSuchFileException e) {
                    // deleted since the listing (a commit replaces the file by a rename, which never removes it)
                }
            }
        }
        return files;
    }

    /** Writes every part and the meta file, fsyncs them and the directory, then removes the marker. */
    BackupResult write(Snapshot snapshot, long startedNanos) {
        Set<Long> keysWithEntries = new HashSet<>();
        long bytes = 0;
        long entries = 0;
        ByteBuffer window = ByteBuffer.allocate(RecordCursor.READ_AHEAD);
        try {
            for (Part part : snapshot.parts) {
                long records = take(part, window);
                entries += records;
                bytes += part.length();
                if (records > 0) {
                    keysWithEntries.add(part.segment().header().keyHash());
                }
            }
            for (Map.Entry<String, byte[]> cursor : snapshot.cursorFiles.entrySet()) {
                writeNew(target.resolve(cursor.getKey()), cursor.getValue(), storage);
            }
            // never again a sequence number the WAL had handed out when the backup began (an EntryRef may name it);
            // its directory fsync also makes every segment's name durable
            storage.writeAtomically(target.resolve(SequenceFloor.FILE_NAME), SequenceFloor.encode(snapshot.sequenceFloor));
            storage.delete(marker);
            storage.fsyncDirectory(target);
        } catch (IOException e) {
            throw new WalIOException("The backup to " + target + " failed after " + (linked + copied) + " of "
                    + snapshot.parts.size() + " segment files; it is incomplete (it holds "
                    + SegmentNames.BACKUP_INCOMPLETE + "): delete it and back up again", e);
        }
        return new BackupResult(target, linked, copied, bytes, bytesCopied, keysWithEntries.size(), entries,
                Duration.ofNanos(System.nanoTime() - startedNanos));
    }

    /** Links or copies one part, fsynced; returns how many records it holds. */
    private long take(Part part, ByteBuffer window) throws IOException {
        Segment segment = part.segment();
        Path to = target.resolve(segment.path().getFileName());
        if (part.whole() && linking) {
            try {
                storage.link(segment.path(), to);
                try (FileChannel channel = storage.openForRead(to)) {
                    // the bytes were fsynced through the WAL's name; this makes the new link count durable
                    channel.force(true);
                }
                linked++;
                return segment.entries();
            } catch (IOException | UnsupportedOperationException e) {
                // another file system, or none with hard links: copy this segment and every later one
                linking = false;
                storage.delete(to);
            }
        }
        try (FileChannel from = storage.openForRead(segment.path()); FileChannel out = storage.createNew(to)) {
            storage.copyPrefix(from, part.length(), out);
            out.force(true);
            copied++;
            bytesCopied += part.length();
            // a prefix's records are counted by the scan that recovery runs on the copy
            return part.whole() ? segment.entries() : SegmentScan.scan(out, segment.header(), part.length(), window)
                    .records();
        }
    }

    /** Releases the target's lock. */
    void release() {
        try {
            storage.unlock(lock);
        } catch (IOException e) {
            System.getLogger(WalEngine.LOGGER).log(System.Logger.Level.WARNING, "Releasing the lock of the backup "
                    + target + " failed", e);
        }
    }
}
