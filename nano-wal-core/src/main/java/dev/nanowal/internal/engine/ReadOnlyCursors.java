package dev.nanowal.internal.engine;

import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalIOException;
import dev.nanowal.internal.format.CursorFormat;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cursor files of a read-only view's directory (FORMAT.md, "Cursor files"), read as they are at each call and
 * never written. The writer replaces a cursor file by a rename, so a read finds the old position or the new one,
 * whole; a file deleted meanwhile is a cursor without a position. Thread-safe.
 */
final class ReadOnlyCursors {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final Path directory;
    private final Storage storage;

    ReadOnlyCursors(Path directory, Storage storage) {
        this.directory = directory;
        this.storage = storage;
    }

    /**
     * The position in cursor file {@code fileName}; null when there is no such file (the cursor never committed).
     *
     * @throws WalCorruptionException when the file is damaged
     */
    CursorFormat.Position read(String fileName) {
        try {
            return CursorFormat.decode(fileName, storage.readAll(directory.resolve(fileName)));
        } catch (NoSuchFileException e) {
            return null;
        } catch (FormatException e) {
            throw new WalCorruptionException("The cursor file " + directory.resolve(fileName) + " " + e.getMessage()
                    + "; the writer refuses that cursor until the file is deleted");
        } catch (IOException e) {
            throw new WalIOException("Could not read the cursor file " + directory.resolve(fileName), e);
        }
    }

    /** The position of every cursor file; a damaged one is logged and left out, as the writer leaves it out. */
    List<CursorFormat.Position> all() {
        List<CursorFormat.Position> positions = new ArrayList<>();
        List<Path> files;
        try {
            files = storage.list(directory);
        } catch (IOException e) {
            throw new WalIOException("Could not read the WAL directory " + directory, e);
        }
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            if (!CursorFormat.isCursorFile(fileName)) {
                continue;
            }
            try {
                CursorFormat.Position position = read(fileName);
                if (position != null) {
                    positions.add(position);
                }
            } catch (WalCorruptionException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
            }
        }
        return positions;
    }
}
