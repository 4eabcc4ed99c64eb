package dev.nanowal.internal.engine;

import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalDamage;
import dev.nanowal.WalException;
import dev.nanowal.WalIOException;
import dev.nanowal.WalLockedException;
import dev.nanowal.internal.format.CursorFormat;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.JournalFormat;
import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.format.DurableExtentsFile;
import dev.nanowal.internal.format.SequenceFloor;
import dev.nanowal.internal.io.Interrupts;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WAL's directory: its lock, its sequence counter, the creation of segment files and the list of the
 * files that are ours.
 */
final class WalDirectory {

    /** How far the sequence counter skips when the meta file's floor was lost: 2^40, 34 years at 1,000 per second. */
    static final long FLOOR_LOST_GAP = 1L << 40;

    static final String LOCK_FILE = SegmentNames.LOCK_FILE;
    private static final long LOCK_WAIT_MILLIS = 200;

    private final Path path;
    private final Storage storage;
    private final FileLock lock;
    private final AtomicLong nextSequence = new AtomicLong(1);
    private long savedFloor;

    private WalDirectory(Path path, Storage storage, FileLock lock) {
        this.path = path;
        this.storage = storage;
        this.lock = lock;
    }

    /** Creates the directory if needed and takes its lock. */
    static WalDirectory lock(Path directory, Storage storage) {
        Path path = directory.toAbsolutePath().normalize();
        if (storage.exists(path) && !storage.isDirectory(path)) {
            throw new WalException("Cannot open a WAL at " + path + ": it exists and is not a directory");
        }
        try {
            createDurably(path, storage);
            return new WalDirectory(path, storage, takeWaiting(path, storage));
        } catch (IOException e) {
            throw new WalIOException("Cannot open a WAL at " + path, e);
        }
    }

    /**
     * Takes the lock of the WAL directory {@code path}, for a WAL or for a tool that reads the files.
     *
     * @throws WalLockedException when a WAL or a tool, in this process or another, holds it
     */
    static FileLock take(Path path, Storage storage) throws IOException {
        FileLock lock = tryTake(path, storage);
        if (lock == null) {
            throw heldByAnotherProcess(path);
        }
        return lock;
    }

    /**
     * Like {@link #take}, for a WAL: a lock held by another process is tried again for up to
     * {@value #LOCK_WAIT_MILLIS} ms. The read-only tools ({@code stats}, {@code verify}, {@code dump}) take the lock
     * for an instant to learn whether a writer holds it (a file lock cannot be tested otherwise), and an application
     * starting in that instant must not fail; a writer holds it far longer than the wait.
     */
    private static FileLock takeWaiting(Path path, Storage storage) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOCK_WAIT_MILLIS);
        long pauseMillis = 1;
        while (true) {
            FileLock lock = tryTake(path, storage);
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() - deadline > 0) {
                throw heldByAnotherProcess(path);
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw heldByAnotherProcess(path);
            }
            pauseMillis = Math.min(pauseMillis * 2, 32);
        }
    }

    /** The lock, or null when another process holds it. */
    private static FileLock tryTake(Path path, Storage storage) throws IOException {
        try {
            return storage.tryLock(path.resolve(LOCK_FILE));
        } catch (OverlappingFileLockException e) {
            throw new WalLockedException("The WAL directory " + path + " is already open in this JVM; share that Wal "
                    + "instead of opening it twice");
        }
    }

    private static WalLockedException heldByAnotherProcess(Path path) {
        return new WalLockedException("The WAL directory " + path + " is in use by another process (it holds the "
                + "lock on " + LOCK_FILE + ")");
    }

    /**
     * Creates the directory and any missing ancestor, fsyncing the parent of each one created: a new directory
     * entry is only durable once its parent is, and a WAL whose directory vanishes at a power loss loses every
     * entry acknowledged in it (ext4 usually hides this; POSIX, XFS and btrfs do not promise it).
     */
    static void createDurably(Path path, Storage storage) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = path; p != null && !storage.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path created = missing.pop();
            try {
                storage.createDirectory(created);
            } catch (FileAlreadyExistsException raced) {
                if (!storage.isDirectory(created)) {
                    throw raced;
                }
            }
            storage.fsyncDirectory(created.getParent());
        }
    }

    Path path() {
        return path;
    }

    Storage storage() {
        return storage;
    }

    /**
     * Sets where the sequence counter continues after loading: past every existing segment and the floor. A
     * damaged meta file is isolated: the floor it held is unknown, so the counter skips {@link #FLOOR_LOST_GAP}
     * numbers past every existing segment (no old {@code EntryRef} can name a new segment unless that many segments
     * were ever created) and the file is written again with that floor.
     */
    void startSequencesAfter(long highestExisting, Quarantine quarantine, WalEvents events) throws IOException {
        try {
            savedFloor = readFloor(path, storage);
        } catch (WalCorruptionException e) {
            Path file = path.resolve(SequenceFloor.FILE_NAME);
            long floor = highestExisting + 1 + FLOOR_LOST_GAP;
            quarantine.add(new WalDamage(file, null, 0, 0, 0, e.getMessage() + "; the sequence counter skips to "
                    + floor + " and the file was written again", 0), events);
            storage.writeAtomically(file, SequenceFloor.encode(floor));
            savedFloor = floor;
        }
        nextSequence.set(Math.max(savedFloor, highestExisting + 1));
    }

    /**
     * The sequence floor saved in {@code directory}'s meta file, or {@link SequenceFloor#NONE} when there is none.
     *
     * @throws WalCorruptionException when the file is damaged
     */
    static long readFloor(Path directory, Storage storage) {
        Path file = directory.resolve(SequenceFloor.FILE_NAME);
        try {
            return SequenceFloor.decode(storage.readAll(file));
        } catch (NoSuchFileException e) {
            return SequenceFloor.NONE;
        } catch (FormatException e) {
            throw new WalCorruptionException("The meta file " + file + " " + e.getMessage());
        } catch (IOException e) {
            throw new WalIOException("Could not read " + file, e);
        }
    }

    /**
     * Saves the sequence counter before segments are deleted, so that no deleted sequence number is handed
     * out again, even after a restart.
     */
    synchronized void protectSequences() throws IOException {
        long floor = nextSequence.get();
        if (floor > savedFloor) {
            storage.writeAtomically(path.resolve(SequenceFloor.FILE_NAME), SequenceFloor.encode(floor));
            savedFloor = floor;
        }
    }

    /** The sequence number {@link #allocateSequence()} hands out next. */
    long nextSequence() {
        return nextSequence.get();
    }

    /** The next sequence number: never one handed out before, in this process or an earlier one. */
    long allocateSequence() {
        return nextSequence.getAndIncrement();
    }

    void fsync() throws IOException {
        boolean interrupted = Interrupts.setAside();
        try {
            storage.fsyncDirectory(path);
        } finally {
            Interrupts.restore(interrupted);
        }
    }

    /** Every file in the directory whose name is one nano-wal writes, except the lock file. */
    List<Path> ownFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path entry : storage.list(path)) {
            String name = entry.getFileName().toString();
            if (SegmentNames.parse(name) != null || SegmentNames.isTemporary(name) || SegmentNames.isBroken(name)
                    || JournalFormat.slotOf(name) >= 0
                    || CursorFormat.isCursorFile(name)
                    || (name.endsWith(Storage.TEMP_SUFFIX)
                            && CursorFormat.isCursorFile(name.substring(0, name.length() - Storage.TEMP_SUFFIX.length())))
                    || name.equals(SequenceFloor.FILE_NAME)
                    || name.equals(SequenceFloor.FILE_NAME + Storage.TEMP_SUFFIX)
                    || name.equals(DiskGate.PROBE_FILE)
                    || name.equals(DurableExtentsFile.FILE_NAME)
                    || name.equals(DurableExtentsFile.FILE_NAME + Storage.TEMP_SUFFIX)) {
                files.add(entry);
            }
        }
        return files;
    }

    /** Releases the lock; with {@code deleteLockFile} also removes the lock file (shutdown). */
    void release(boolean deleteLockFile) {
        boolean interrupted = Interrupts.setAside();
        try {
            if (deleteLockFile) {
                storage.delete(path.resolve(LOCK_FILE));
            }
        } catch (IOException e) {
            System.getLogger(WalEngine.LOGGER).log(System.Logger.Level.WARNING, "Deleting the lock file of " + path
                    + " failed", e);
        }
        try {
            storage.unlock(lock);
        } catch (IOException e) {
            System.getLogger(WalEngine.LOGGER).log(System.Logger.Level.WARNING, "Releasing the lock of " + path
                    + " failed", e);
        } finally {
            Interrupts.restore(interrupted);
        }
    }
}
