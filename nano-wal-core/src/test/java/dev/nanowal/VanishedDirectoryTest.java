package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The WAL directory deleted under an open WAL (docs/operations.md, "The WAL directory deleted while open"): the
 * operations that need it fail with an error naming it, and the disk does not count as failing.
 */
class VanishedDirectoryTest {

    @TempDir
    Path root;

    @Test
    void aDeletedDirectoryIsNotAFailingDiskAndTheLogSaysTheDirectoryIsGone() throws IOException {
        Path dir = root.resolve("wal");
        List<String> errors = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()) {
                    errors.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(Wal.class.getName());
        logger.addHandler(handler);
        try {
            Wal wal = Wal.open(dir);
            wal.logEntry("k", null, bytes("v"));
            // a segment whose name is not durable yet: the sync fsyncs the directory
            wal.appendEntry("other", null, bytes("v"), false);
            deleteTree(dir);

            assertThatThrownBy(wal::sync).isInstanceOf(WalIOException.class).hasMessageContaining(dir.toString())
                    .hasRootCauseInstanceOf(NoSuchFileException.class);
            assertThat(wal.diskState()).isEqualTo(DiskState.WRITABLE);
            long appends = wal.stats().appends();
            // once the WAL knows, a buffered append is refused too: it could never be made durable
            assertThatThrownBy(() -> wal.appendEntry("k", null, bytes("after"), false))
                    .isInstanceOf(WalIOException.class).hasMessageContaining(dir + " was deleted or replaced")
                    .hasMessageContaining("nothing was written").hasRootCauseInstanceOf(NoSuchFileException.class);
            assertThatThrownBy(() -> wal.appendBatch(List.of(WalEntry.of("k", bytes("b"))), false))
                    .isInstanceOf(WalIOException.class).hasMessageContaining("nothing was written");
            assertThat(wal.stats().appends()).as("appends counted after the refusals").isEqualTo(appends);
            assertThatThrownBy(wal::close).isInstanceOf(WalIOException.class)
                    .hasRootCauseInstanceOf(NoSuchFileException.class);
        } finally {
            logger.removeHandler(handler);
        }
        assertThat(errors).noneMatch(message -> message.contains("FAILING"));
        assertThat(errors).filteredOn(message -> message.contains("The WAL directory " + dir + " no longer exists"))
                .hasSize(1);
        try (Wal again = Wal.open(dir)) {
            assertThat(again.enumerateKeys()).isEmpty();
        }
    }

    /**
     * An fsync of a file unlinked with its directory succeeds and keeps nothing: a durable append after the
     * directory was deleted (and even made again, empty, at the same path) must fail, with the journal (its
     * commit) and without it (the segment's own fsync), and keep failing.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aDurableAppendAfterTheDirectoryWasDeletedIsNotAcknowledged(boolean journal) throws IOException {
        Path dir = root.resolve("wal-" + journal);
        Wal wal = Wal.open(dir, WalOptions.builder().journal(journal).build());
        try {
            wal.logEntry("k", null, bytes("before"));
            deleteTree(dir);
            Files.createDirectories(dir);

            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> wal.logEntry("k", null, bytes("after"))).isInstanceOf(WalIOException.class)
                        .hasRootCauseInstanceOf(NoSuchFileException.class);
            }
            // the directory at the path is another one: buffered appends are refused as well
            assertThatThrownBy(() -> wal.appendEntry("k", null, bytes("buffered"), false))
                    .isInstanceOf(WalIOException.class).hasMessageContaining("was deleted or replaced");
        } finally {
            try {
                wal.close();
            } catch (WalIOException expected) {
                // closing fsyncs the directory and files that are gone
            }
        }
    }

    /**
     * The directory made again with files at the journal's names (a restore of a copy, say): the name alone would
     * pass, the file behind it is another one, so the commit still fails.
     */
    @Test
    void aDurableAppendAfterTheDirectoryWasReplacedWithJournalFilesOfTheSameNamesIsNotAcknowledged()
            throws IOException {
        Path dir = root.resolve("wal-replaced");
        Wal wal = Wal.open(dir);
        try {
            wal.logEntry("k", null, bytes("before"));
            List<Path> journalFiles;
            try (Stream<Path> files = Files.list(dir)) {
                journalFiles = files.filter(f -> f.getFileName().toString().endsWith(".journal")).toList();
            }
            assertThat(journalFiles).isNotEmpty();
            byte[][] copies = new byte[journalFiles.size()][];
            for (int i = 0; i < copies.length; i++) {
                copies[i] = Files.readAllBytes(journalFiles.get(i));
            }
            deleteTree(dir);
            Files.createDirectories(dir);
            for (int i = 0; i < copies.length; i++) {
                Files.write(journalFiles.get(i), copies[i]);
            }

            assertThatThrownBy(() -> wal.logEntry("k", null, bytes("after"))).isInstanceOf(WalIOException.class)
                    .hasRootCauseInstanceOf(NoSuchFileException.class);
        } finally {
            try {
                wal.close();
            } catch (WalIOException expected) {
                // closing fsyncs the directory and files that are gone
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
