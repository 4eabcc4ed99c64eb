package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.nanowal.cli.WalCli;
import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.io.Storage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Wal#backup}: a copy taken while other threads append, checked by opening it; compaction during the copy;
 * hard links on the same file system and copies across file systems; cursors; a target that is not new; a failed
 * backup that leaves a target which refuses to open.
 */
@ExtendWith(QuietWalLogs.class)
class BackupTest {

    private static final String[] KEYS = {"orders", "users", "a/b", "ключ", "k5"};

    @TempDir
    Path root;

    /** One acknowledged append of a writer thread. */
    private record Acked(String key, EntryRef ref, byte[] content) {
    }

    @ParameterizedTest(name = "journal={0}")
    @ValueSource(booleans = {true, false})
    void aBackupUnderConcurrentAppendsHoldsEveryEntryAppendedBeforeIt(boolean journal) throws Exception {
        Path source = root.resolve("wal");
        Path target = root.resolve("backup");
        ConcurrentLinkedQueue<Acked> acked = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch warmedUp = new CountDownLatch(400);
        CountDownLatch appendingAfter = new CountDownLatch(200);
        AtomicBoolean backupReturned = new AtomicBoolean();
        AtomicLong ids = new AtomicLong();
        BackupResult result;
        List<Acked> before;
        try (Wal wal = Wal.open(source, WalOptions.builder().maxSegmentSize(4096).journal(journal).build())) {
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                SplittableRandom random = new SplittableRandom(t);
                Thread writer = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            long id = ids.incrementAndGet();
                            String key = KEYS[random.nextInt(KEYS.length)];
                            byte[] content = TestPayloads.content(id, TestPayloads.MIN_LENGTH + random.nextInt(400));
                            EntryRef ref = wal.appendEntry(key, null, content, random.nextBoolean());
                            acked.add(new Acked(key, ref, content));
                            warmedUp.countDown();
                            if (backupReturned.get()) {
                                appendingAfter.countDown();
                            }
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "writer-" + t);
                writer.start();
                writers.add(writer);
            }
            warmedUp.await();
            before = List.copyOf(acked);
            result = wal.backup(target);
            backupReturned.set(true);
            appendingAfter.await();
            stop.set(true);
            for (Thread writer : writers) {
                writer.join();
            }
        }
        assertThat(failure.get()).isNull();
        assertThat(result.target()).isEqualTo(target.toAbsolutePath());
        // whether an active segment is copied depends on timing: a key may have rotated while the checkpoint ran,
        // so its backup ends with a sealed segment (sealedSegmentsAreHardLinkedAndActiveOnesCopiedUpToTheirSyncedEnd
        // covers the copy)
        assertThat(result.filesLinked()).as("segments sealed before the call are linked").isPositive();
        assertThat(result.entries()).isGreaterThanOrEqualTo(before.size());
        assertThat(result.keys()).isEqualTo(KEYS.length);
        assertThat(acked.size()).as("appends went on after the backup").isGreaterThan(before.size() + 200);
        assertThat(target.resolve(SegmentNames.BACKUP_INCOMPLETE)).doesNotExist();
        assertThat(journalFiles(target)).as("the backup needs no journal").isEmpty();

        assertThat(cli("verify", target.toString())).isZero();
        Map<String, List<WalRecord>> sourceEntries = new HashMap<>();
        try (Wal original = Wal.open(source)) {
            for (String key : KEYS) {
                sourceEntries.put(key, entries(original, key));
            }
        }
        try (Wal copy = Wal.open(target)) {
            for (Acked entry : before) {
                assertThat(copy.readEntryAt(entry.ref())).as("entry at %s", entry.ref()).isEqualTo(entry.content());
            }
            long total = 0;
            for (String key : KEYS) {
                List<WalRecord> copied = entries(copy, key);
                List<WalRecord> original = sourceEntries.get(key);
                assertThat(copied.size()).as("key %s", key).isLessThanOrEqualTo(original.size());
                for (int i = 0; i < copied.size(); i++) {
                    assertThat(copied.get(i).ref()).as("key %s entry %d", key, i).isEqualTo(original.get(i).ref());
                    assertThat(copied.get(i).content()).as("key %s entry %d", key, i).isEqualTo(original.get(i).content());
                }
                total += copied.size();
            }
            assertThat(total).isEqualTo(result.entries());
            copy.appendEntry("orders", null, new byte[] {1, 2, 3}, true);
        }
    }

    @Test
    void compactionDuringTheCopyKeepsItsSegmentsAndLinksOutliveTheOriginals() throws IOException {
        Path source = root.resolve("wal");
        Path target = root.resolve("backup");
        MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
        WalOptions options = WalOptions.builder().clock(clock).entryRetention(Duration.ofHours(1))
                .segmentsPerRetentionPeriod(4).maxSegmentSize(4096).build();
        List<Acked> written = new ArrayList<>();
        AtomicReference<Wal> opened = new AtomicReference<>();
        List<CompactionResult> duringBackup = new ArrayList<>();
        Storage compactingOnFirstLink = new Storage() {
            @Override
            public void link(Path existing, Path link) throws IOException {
                if (duringBackup.isEmpty()) {
                    duringBackup.add(opened.get().compact());
                }
                super.link(existing, link);
            }
        };
        try (Wal wal = Wal.open(source, options, compactingOnFirstLink)) {
            opened.set(wal);
            for (int i = 0; i < 60; i++) {
                String key = KEYS[i % 2];
                byte[] content = TestPayloads.content(i, 300);
                written.add(new Acked(key, wal.appendEntry(key, null, content, i % 3 == 0), content));
            }
            clock.advance(Duration.ofHours(2));
            BackupResult result = wal.backup(target);
            assertThat(duringBackup).hasSize(1);
            assertThat(duringBackup.get(0).segmentsDeleted()).as("the backup's segments are pinned").isZero();
            assertThat(result.filesLinked()).isPositive();
            CompactionResult after = wal.compact();
            assertThat(after.segmentsDeleted()).as("expired once the backup is done").isEqualTo(result.filesLinked()
                    + result.filesCopied());
            assertThat(wal.enumerateKeys()).isEmpty();
        }
        try (Wal copy = Wal.open(target, options)) {
            for (Acked entry : written) {
                assertThat(copy.readEntryAt(entry.ref())).isEqualTo(entry.content());
            }
        }
    }

    @Test
    void sealedSegmentsAreHardLinkedAndActiveOnesCopiedUpToTheirSyncedEnd() throws IOException {
        Path source = root.resolve("wal");
        Path target = root.resolve("backup");
        BackupResult result;
        try (Wal wal = Wal.open(source, WalOptions.builder().maxSegmentSize(4096).build())) {
            for (int i = 0; i < 40; i++) {
                wal.appendEntry("orders", null, TestPayloads.content(i, 500), false);
            }
            result = wal.backup(target);
            wal.appendEntry("orders", null, TestPayloads.content(99, 500), true);
        }
        List<Path> files = SegmentFiles.segments(target);
        assertThat(files).hasSize(result.filesLinked() + result.filesCopied());
        assertThat(result.filesCopied()).isEqualTo(1);
        int links = 0;
        for (Path file : files) {
            Path original = source.resolve(file.getFileName());
            if ((int) Files.getAttribute(file, "unix:nlink") == 2) {
                assertThat(Files.isSameFile(file, original)).isTrue();
                links++;
            } else {
                assertThat(Files.size(file)).as("the active segment, without the append after the backup")
                        .isLessThan(Files.size(original));
            }
        }
        assertThat(links).isEqualTo(result.filesLinked()).isPositive();
        assertThat(result.bytes()).isEqualTo(sizes(files));
        assertThat(result.entries()).isEqualTo(40);
    }

    @Test
    void aTargetOnAnotherFileSystemIsCopied() throws Exception {
        Path mount = Files.createDirectory(root.resolve("tmpfs"));
        Assumptions.assumeTrue(run("id", "-u").strip().equals("0"), "mounting a tmpfs needs root; not root here");
        Assumptions.assumeTrue(exit("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mount.toString()) == 0,
                "mount -t tmpfs failed here (no permission in this container?)");
        try {
            Path source = root.resolve("wal");
            Path target = mount.resolve("backup");
            List<Acked> written = new ArrayList<>();
            BackupResult result;
            try (Wal wal = Wal.open(source, WalOptions.builder().maxSegmentSize(4096).build())) {
                for (int i = 0; i < 40; i++) {
                    byte[] content = TestPayloads.content(i, 500);
                    written.add(new Acked("orders", wal.appendEntry("orders", null, content, i % 2 == 0), content));
                }
                result = wal.backup(target);
            }
            assertThat(Files.getFileStore(target)).isNotEqualTo(Files.getFileStore(source));
            assertThat(result.filesLinked()).isZero();
            assertThat(result.filesCopied()).isEqualTo(SegmentFiles.segments(target).size()).isGreaterThan(1);
            assertThat(result.bytesCopied()).isEqualTo(result.bytes());
            assertThat(cli("verify", target.toString())).isZero();
            try (Wal copy = Wal.open(target)) {
                for (Acked entry : written) {
                    assertThat(copy.readEntryAt(entry.ref())).isEqualTo(entry.content());
                }
            }
        } finally {
            assertThat(exit("umount", mount.toString())).as("umount " + mount).isZero();
        }
    }

    @Test
    void cursorsAreBackedUpAtTheirCommittedPositions() throws IOException {
        Path source = root.resolve("wal");
        Path target = root.resolve("backup");
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(source, WalOptions.builder().maxSegmentSize(4096).build())) {
            for (int i = 0; i < 20; i++) {
                refs.add(wal.appendEntry("orders", null, TestPayloads.content(i, 300), false));
            }
            wal.cursor("billing", "orders").commit(refs.get(12));
            wal.cursor("audit", "orders").commit(refs.get(3));
            wal.backup(target);
            wal.cursor("billing", "orders").commit(refs.get(19));
        }
        try (Wal copy = Wal.open(target)) {
            assertThat(copy.cursors()).extracting(CursorInfo::name, CursorInfo::position)
                    .containsExactly(tuple("audit", refs.get(3)),
                            tuple("billing", refs.get(12)));
            assertThat(copy.cursor("billing", "orders").poll(100, Duration.ZERO)).extracting(WalRecord::ref)
                    .containsExactlyElementsOf(refs.subList(13, 20));
        }
    }

    @Test
    void theTargetMustBeNewOrAnEmptyDirectoryOutsideTheWal() throws IOException {
        Path source = root.resolve("wal");
        Path busy = Files.createDirectories(root.resolve("busy"));
        Files.writeString(busy.resolve("notes.txt"), "mine");
        Path file = Files.writeString(root.resolve("file"), "x");
        Path empty = Files.createDirectories(root.resolve("empty"));
        try (Wal wal = Wal.open(source)) {
            wal.appendEntry("k", null, new byte[] {1}, false);
            assertThatThrownBy(() -> wal.backup(busy)).isInstanceOf(WalException.class)
                    .hasMessageContaining(busy.toString()).hasMessageContaining("holds 1 entries")
                    .hasMessageContaining("must not exist or be empty");
            assertThat(busy.resolve("notes.txt")).hasContent("mine");
            assertThatThrownBy(() -> wal.backup(file)).isInstanceOf(WalException.class)
                    .hasMessageContaining("is not a directory");
            assertThatThrownBy(() -> wal.backup(source.resolve("inside"))).isInstanceOf(WalException.class)
                    .hasMessageContaining("outside the WAL's directory");
            assertThatThrownBy(() -> wal.backup(null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("target");
            try (Wal view = Wal.openReadOnly(source)) {
                assertThatThrownBy(() -> view.backup(empty)).isInstanceOf(WalReadOnlyException.class)
                        .hasMessageContaining("Wal.backup");
            }
            assertThat(wal.backup(empty).entries()).isEqualTo(1);
            assertThat(wal.backup(root.resolve("new/nested")).entries()).isEqualTo(1);
        }
    }

    @Test
    void aBackupThatFailsHalfWayLeavesATargetThatRefusesToOpen() throws IOException {
        Path source = root.resolve("wal");
        Path target = root.resolve("backup");
        Storage failingCopies = new Storage() {
            @Override
            public void copyPrefix(FileChannel from, long length, FileChannel to) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        List<Acked> written = new ArrayList<>();
        try (Wal wal = Wal.open(source, WalOptions.builder().maxSegmentSize(4096).build(), failingCopies)) {
            for (int i = 0; i < 30; i++) {
                byte[] content = TestPayloads.content(i, 500);
                written.add(new Acked("orders", wal.appendEntry("orders", null, content, true), content));
            }
            assertThatThrownBy(() -> wal.backup(target)).isInstanceOf(WalIOException.class)
                    .hasMessageContaining("it is incomplete").hasMessageContaining(SegmentNames.BACKUP_INCOMPLETE)
                    .satisfies(e -> assertThat(((WalIOException) e).isDiskFull()).isTrue());
            written.add(new Acked("orders", wal.appendEntry("orders", null, new byte[] {7}, true), new byte[] {7}));
        }
        assertThat(SegmentFiles.segments(target)).as("the sealed segments were linked before the copy failed")
                .isNotEmpty();
        assertThatThrownBy(() -> Wal.open(target)).isInstanceOf(WalException.class)
                .hasMessageContaining("incomplete backup").hasMessageContaining(target.toString());
        assertThatThrownBy(() -> Wal.openReadOnly(target)).isInstanceOf(WalException.class)
                .hasMessageContaining("Cannot open a read-only view of " + target)
                .hasMessageContaining("incomplete backup").hasMessageContaining(SegmentNames.BACKUP_INCOMPLETE);
        assertThat(target.resolve(SegmentNames.BACKUP_INCOMPLETE)).exists();
        assertThat(cli("verify", target.toString())).isEqualTo(1);
        try (Wal reopened = Wal.open(source)) {
            for (Acked entry : written) {
                assertThat(reopened.readEntryAt(entry.ref())).isEqualTo(entry.content());
            }
        }
    }

    private static List<WalRecord> entries(Wal wal, String key) {
        try (Stream<WalRecord> records = wal.enumerateEntries(key)) {
            return records.toList();
        }
    }

    private static long sizes(List<Path> files) throws IOException {
        long total = 0;
        for (Path file : files) {
            total += Files.size(file);
        }
        return total;
    }

    private static List<Path> journalFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".journal")).toList();
        }
    }

    private static int cli(String... args) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(sink, true, StandardCharsets.UTF_8);
        return WalCli.run(args, print, print);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return output;
    }

    private static int exit(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor();
    }
}
