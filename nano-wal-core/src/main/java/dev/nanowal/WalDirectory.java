package dev.nanowal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WAL's directory: its lock, its sequence counter, the creation of segment files and the list of the
 * files that are ours.
 */
final class WalDirectory {

    static final String LOCK_FILE = "nanowal.lock";

    private final Path path;
    private final Storage storage;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final AtomicLong nextSequence = new AtomicLong(1);
    private long savedFloor;

    private WalDirectory(Path path, Storage storage, FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.storage = storage;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates the directory if needed and takes its lock. */
    static WalDirectory lock(Path directory, Storage storage) {
        Path path = directory.toAbsolutePath().normalize();
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw new WalException("Cannot open a WAL at " + path + ": it exists and is not a directory");
        }
        FileChannel channel = null;
        try {
            createDurably(path, storage);
            channel = FileChannel.open(path.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new WalLockedException("The WAL directory " + path + " is in use by another process "
                        + "(it holds the lock on " + LOCK_FILE + ")");
            }
            return new WalDirectory(path, storage, channel, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new WalLockedException("The WAL directory " + path + " is already open in this JVM; share that Wal "
                    + "instead of opening it twice");
        } catch (IOException e) {
            closeQuietly(channel);
            throw new WalIOException("Cannot open a WAL at " + path, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /**
     * Creates the directory and any missing ancestor, fsyncing the parent of each one created: a new directory
     * entry is only durable once its parent is, and a WAL whose directory vanishes at a power loss loses every
     * entry acknowledged in it (ext4 usually hides this; POSIX, XFS and btrfs do not promise it).
     */
    private static void createDurably(Path path, Storage storage) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = path; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path created = missing.pop();
            try {
                storage.createDirectory(created);
            } catch (FileAlreadyExistsException raced) {
                if (!Files.isDirectory(created)) {
                    throw raced;
                }
            }
            storage.fsyncDirectory(created.getParent());
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one to report
            }
        }
    }

    Path path() {
        return path;
    }

    Storage storage() {
        return storage;
    }

    /** Sets where the sequence counter continues after loading: past every existing segment and the floor. */
    void startSequencesAfter(long highestExisting) {
        savedFloor = SequenceFloor.read(path);
        nextSequence.set(Math.max(savedFloor, highestExisting + 1));
    }

    /**
     * Saves the sequence counter before segments are deleted, so that no deleted sequence number is handed
     * out again, even after a restart.
     */
    synchronized void protectSequences() throws IOException {
        long floor = nextSequence.get();
        if (floor > savedFloor) {
            SequenceFloor.write(path, storage, floor);
            savedFloor = floor;
        }
    }

    /**
     * Creates a segment file: its header goes to a temporary file that is renamed into place, so the name
     * never shows a partial header to a later open after a process crash. The file and the directory entry
     * are fsynced by the segment's first sync, before any durable append into it returns. The segment keeps
     * the channel that wrote the header (a renamed file keeps its open descriptors), instead of opening the
     * file again for its first append.
     */
    Segment createSegment(String key, byte[] keyBytes, long keyHash, long now, WalContext context,
            ReentrantLock keyLock) {
        long sequence = nextSequence.getAndIncrement();
        SegmentHeader header = new SegmentHeader(key, keyBytes, keyHash, sequence, now);
        Path file = path.resolve(SegmentNames.fileName(key, keyHash, sequence));
        Path temp = file.resolveSibling(file.getFileName() + SegmentNames.TEMP_SUFFIX);
        FileChannel channel = null;
        boolean interrupted = Interrupts.setAside();
        try {
            channel = storage.createNew(temp);
            ByteBuffer bytes = header.encode();
            while (bytes.hasRemaining()) {
                channel.write(bytes, bytes.position());
            }
            storage.moveAtomically(temp, file);
        } catch (IOException e) {
            try {
                if (channel != null) {
                    channel.close();
                }
                storage.delete(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw context.events().writeFailed(new WalIOException("Could not create segment " + file, e));
        } finally {
            Interrupts.restore(interrupted);
        }
        return Segment.created(header, file, context, keyLock, channel);
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
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (SegmentNames.parse(name) != null || SegmentNames.isTemporary(name) || SegmentNames.isBroken(name)
                        || name.equals(SequenceFloor.FILE_NAME)
                        || name.equals(SequenceFloor.FILE_NAME + SegmentNames.TEMP_SUFFIX)) {
                    files.add(entry);
                }
            }
        }
        return files;
    }

    /** Releases the lock; with {@code deleteLockFile} also removes the lock file (shutdown). */
    void release(boolean deleteLockFile) {
        boolean interrupted = Interrupts.setAside();
        try {
            if (deleteLockFile) {
                Files.deleteIfExists(path.resolve(LOCK_FILE));
            }
            lock.release();
        } catch (IOException e) {
            System.getLogger(Wal.class.getName()).log(System.Logger.Level.WARNING, "Releasing the lock of " + path
                    + " failed", e);
        } finally {
            closeQuietly(lockChannel);
            Interrupts.restore(interrupted);
        }
    }
}
