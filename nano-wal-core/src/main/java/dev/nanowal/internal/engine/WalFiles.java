package dev.nanowal.internal.engine;

import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalLockedException;
import dev.nanowal.internal.format.DurableExtentsFile;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.SegmentListing;
import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A WAL directory as a tool reads it without opening the WAL (the CLI's {@code stats}, {@code dump} and
 * {@code verify}): whether a writer held its lock when the tool began ({@link #forReading}), the segment listing and
 * the meta file, each through the same code the engine uses. Not thread-safe; one tool, one thread.
 */
public final class WalFiles implements AutoCloseable {

    private final Path path;
    private final Storage storage;
    private final FileLock lock;
    private final boolean live;

    private WalFiles(Path path, Storage storage, FileLock lock, boolean live) {
        this.path = path;
        this.storage = storage;
        this.lock = lock;
        this.live = live;
    }

    /**
     * Takes the lock of the existing WAL directory {@code path}, for a tool that changes it ({@code repair}).
     *
     * @throws WalLockedException when a WAL or another tool holds it
     */
    public static WalFiles lock(Path path) throws IOException {
        Storage storage = new Storage();
        return new WalFiles(path, storage, WalDirectory.take(path, storage), false);
    }

    /**
     * The existing WAL directory {@code path} for a tool that only reads it, holding no lock while it reads (so an
     * application can open the directory meanwhile). Whether a writer holds it ({@link #live()}) is found by taking
     * the lock and releasing it at once: a file lock cannot be tested otherwise, and a tool must know, to tell a
     * crashed writer's torn tail (which the next open cuts) from a live writer's tail in progress.
     */
    public static WalFiles forReading(Path path) throws IOException {
        Storage storage = new Storage();
        boolean live;
        try {
            storage.unlock(WalDirectory.take(path, storage));
            live = false;
        } catch (WalLockedException held) {
            live = true;
        }
        return new WalFiles(path, storage, null, live);
    }

    /**
     * Whether a writer held the directory when {@link #forReading} looked: the tool reads alongside it and must
     * treat each key's newest segment as growing (see {@code Wal.openReadOnly}).
     */
    public boolean live() {
        return live;
    }

    /** The directory's segment files (regular files with a segment's name) and unfinished creations. */
    public SegmentListing listing() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path file : storage.list(path)) {
            if (storage.isRegularFile(file)) {
                files.add(file);
            }
        }
        return SegmentListing.of(files);
    }

    /** Opens a file of the directory for reading. */
    public FileChannel open(Path file) throws IOException {
        return storage.openForRead(file);
    }

    /** The whole content of a small file of the directory (a cursor file). */
    public byte[] readAll(Path file) throws IOException {
        return storage.readAll(file);
    }

    /** The names of every entry in {@code directory}, sorted; no lock needed. */
    public static Set<String> names(Path directory) throws IOException {
        Set<String> names = new TreeSet<>();
        for (Path file : new Storage().list(directory)) {
            names.add(file.getFileName().toString());
        }
        return names;
    }

    /**
     * Reads the meta file, if there is one.
     *
     * @throws WalCorruptionException when it is damaged
     */
    public void checkMetaFile() {
        WalDirectory.readFloor(path, storage);
    }

    /** Whether the directory is a backup that did not finish (it holds the marker a backup removes last). */
    public boolean isIncompleteBackup() {
        return storage.exists(path.resolve(SegmentNames.BACKUP_INCOMPLETE));
    }

    /**
     * How far each segment was promised durable, from the extents file (see FORMAT.md), or null when there is none:
     * then opening counts every segment as durable to its end.
     *
     * @throws WalCorruptionException when the file is damaged
     */
    public Map<DurableExtentsFile.SegmentId, Long> durableExtents() throws IOException {
        Path file = path.resolve(DurableExtentsFile.FILE_NAME);
        try {
            return DurableExtentsFile.decode(storage.readAll(file));
        } catch (NoSuchFileException e) {
            return null;
        } catch (FormatException e) {
            throw new WalCorruptionException("The extents file " + file + " " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        if (lock != null) {
            storage.unlock(lock);
        }
    }
}
