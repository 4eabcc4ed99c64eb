package dev.nanowal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Every file-system call the WAL makes on a path. One place, so that durability rules (create via temp file
 * and rename, fsync the directory) are written once, and so that tests can wrap it to inject failures.
 */
class Storage {

    FileChannel openForWrite(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    FileChannel openForRead(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    FileChannel createNew(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
    }

    void moveAtomically(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Creates one directory (its parent must exist); the caller fsyncs the parent to make the entry durable. */
    void createDirectory(Path path) throws IOException {
        Files.createDirectory(path);
    }

    void delete(Path path) throws IOException {
        Files.deleteIfExists(path);
    }

    /** Makes creations, renames and deletions in the directory durable. */
    void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
