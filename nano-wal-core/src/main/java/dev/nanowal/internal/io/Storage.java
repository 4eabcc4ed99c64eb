package dev.nanowal.internal.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Every file-system call the WAL makes on a path. One place, so that durability rules (create via temp file
 * and rename, fsync the directory) are written once, and so that tests can wrap it to inject failures and
 * simulate crashes: a subclass overrides the primitive calls, and {@link #writeAtomically} is made of them.
 * Stateless and thread-safe.
 */
public class Storage {

    /** The suffix of the temporary file that {@link #writeAtomically} renames into place. */
    public static final String TEMP_SUFFIX = ".tmp";
    private static final int COPY_CHUNK = 1 << 20;

    public FileChannel openForWrite(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    public FileChannel openForRead(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    public FileChannel createNew(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
    }

    public void moveAtomically(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Creates one directory (its parent must exist); the caller fsyncs the parent to make the entry durable. */
    public void createDirectory(Path path) throws IOException {
        Files.createDirectory(path);
    }

    /** Deletes the file, or the directory if it is empty; nothing when it does not exist. */
    public void delete(Path path) throws IOException {
        Files.deleteIfExists(path);
    }

    /**
     * Makes {@code link} a second name of the file {@code existing} (a hard link: the same bytes, which outlive
     * the deletion of either name).
     *
     * @throws IOException when the file system cannot, for example across file systems (the caller copies)
     * @throws UnsupportedOperationException when the file system has no hard links
     */
    public void link(Path existing, Path link) throws IOException {
        Files.createLink(link, existing);
    }

    /**
     * Copies the first {@code length} bytes of {@code from} to the start of {@code to} (a new, empty file) with
     * positional reads and writes, so it works across file systems; does not fsync.
     */
    public void copyPrefix(FileChannel from, long length, FileChannel to) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(COPY_CHUNK, Math.max(1, length)));
        long at = 0;
        while (at < length) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), length - at));
            while (chunk.hasRemaining()) {
                if (from.read(chunk, at + chunk.position()) < 0) {
                    throw new IOException("The source ends at " + (at + chunk.position()) + ", before the "
                            + length + " bytes to copy");
                }
            }
            chunk.flip();
            while (chunk.hasRemaining()) {
                to.write(chunk, at + chunk.position());
            }
            at += chunk.limit();
        }
    }

    /** Makes creations, renames and deletions in the directory durable. */
    public void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * The file's identity on its file system (device and inode on Linux), or null where the file system has none:
     * tells a directory from one deleted and made again at the same path.
     *
     * @throws java.nio.file.NoSuchFileException when the path does not exist
     */
    public Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    /** Like {@link #fileKey}, null also when the file cannot be looked at: an identity to compare against later. */
    public Object fileKeyIfKnown(Path path) {
        try {
            return fileKey(path);
        } catch (IOException e) {
            return null;
        }
    }

    public boolean exists(Path path) {
        return Files.exists(path);
    }

    public boolean isDirectory(Path path) {
        return Files.isDirectory(path);
    }

    public boolean isRegularFile(Path path) {
        return Files.isRegularFile(path);
    }

    public long size(Path path) throws IOException {
        return Files.size(path);
    }

    /** The entries of the directory, in no particular order. */
    public List<Path> list(Path directory) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(entries::add);
        }
        return entries;
    }

    /** The file store that holds {@code path}: its usable space is one {@code statvfs} away. */
    public FileStore fileStore(Path path) throws IOException {
        return Files.getFileStore(path);
    }

    /** The whole of a small file. */
    public byte[] readAll(Path path) throws IOException {
        return Files.readAllBytes(path);
    }

    /**
     * Takes the exclusive lock on {@code lockFile}, creating the file if needed; null when another process holds
     * it. Release with {@link #unlock}.
     *
     * @throws OverlappingFileLockException when this JVM holds it
     */
    public FileLock tryLock(Path lockFile) throws IOException {
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
            }
            return lock;
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Releases a lock from {@link #tryLock} and closes its file, even when the release fails. */
    public void unlock(FileLock lock) throws IOException {
        FileChannel channel = lock.channel();
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    /**
     * Replaces {@code file} with {@code bytes} so that a crash leaves the old file or the new one, never a mix,
     * and the new one is durable when this returns: a temporary file written and fsynced, renamed over the old
     * one, then the directory fsynced.
     */
    public void writeAtomically(Path file, ByteBuffer bytes) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
        ByteBuffer out = bytes.duplicate();
        delete(temp);
        try (FileChannel channel = createNew(temp)) {
            while (out.hasRemaining()) {
                channel.write(out, out.position());
            }
            channel.force(true);
        }
        moveAtomically(temp, file);
        fsyncDirectory(file.toAbsolutePath().getParent());
    }
}
