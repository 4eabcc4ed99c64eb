package dev.nanowal.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Best-effort clean-up of the benchmarks' directories. */
final class BenchFiles {

    private BenchFiles() {
    }

    /**
     * Frees a finished run's disk space but keeps its files (emptied) until the whole benchmark ends. On ext4
     * without a journal, as on this machine, creating a file skips every inode deleted in the last 30 s or more
     * ({@code recently_deleted} in the kernel): with files deleted after each run, each run's file creations got
     * slower with the number of files the runs before it had deleted, whichever subject they belonged to. The
     * root is deleted at the end.
     */
    static void emptyFiles(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(file -> {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(0);
                } catch (IOException e) {
                    // best effort: the file goes with the root at the end
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a file still held open is retried by the next cleanup
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }
}
