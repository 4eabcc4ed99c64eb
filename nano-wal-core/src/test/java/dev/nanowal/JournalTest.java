package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.CrashStorage.Mode;
import dev.nanowal.FaultyStorage.Fault;
import dev.nanowal.FaultyStorage.Op;
import dev.nanowal.cli.WalCli;
import dev.nanowal.internal.format.JournalFormat;
import dev.nanowal.internal.format.JournalReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared commit journal (FORMAT.md, "The commit journal"): durable appends to many keys share its commits;
 * after a power loss that kept only what was fsynced, replay puts every acknowledged durable entry back in its
 * segment; damaged or torn journal bytes are never replayed as data; checkpoints keep its files bounded.
 */
@ExtendWith(QuietWalLogs.class)
class JournalTest {

    @TempDir
    Path root;

    /** No background checkpoint in the middle of a test: it would make crash steps depend on timing. */
    private static WalOptions.Builder options() {
        return WalOptions.builder().checkpointInterval(Duration.ofHours(1));
    }

    @Test
    void durableAppendsToAThousandKeysFromSixteenThreadsShareJournalCommits() throws Exception {
        Path dir = root.resolve("wal");
        int threads = 16;
        int perThread = 100;
        AtomicInteger commits = new AtomicInteger();
        AtomicInteger committed = new AtomicInteger();
        AtomicInteger segmentFsyncs = new AtomicInteger();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<List<EntryRef>> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, options().build())) {
            wal.addListener(new WalListener() {
                @Override
                public void onJournalCommit(Duration duration, int entries, int keys) {
                    commits.incrementAndGet();
                    committed.addAndGet(entries);
                }

                @Override
                public void onSync(Duration duration, int waiters) {
                    segmentFsyncs.incrementAndGet();
                }
            });
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<EntryRef> mine = new ArrayList<>();
                refs.add(mine);
                int thread = t;
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                        SplittableRandom random = new SplittableRandom(thread);
                        for (int i = 0; i < perThread; i++) {
                            mine.add(wal.appendEntry("key-" + random.nextInt(1000), null,
                                    TestPayloads.content(thread * 1000L + i, 100), true));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                worker.start();
                workers.add(worker);
            }
            start.countDown();
            for (Thread worker : workers) {
                worker.join();
            }
            assertThat(failures).isEmpty();
            int appends = threads * perThread;
            System.out.printf("JournalTest: %d durable appends to 1,000 keys from %d threads took %d journal commits "
                    + "and %d segment fsyncs%n", appends, threads, commits.get(), segmentFsyncs.get());
            assertThat(committed.get()).as("entries the commits covered").isEqualTo(appends);
            assertThat(commits.get()).as("journal commits for %d durable appends", appends).isLessThan(appends);
            assertThat(segmentFsyncs.get()).as("segment fsyncs before any checkpoint").isZero();
            JournalStats stats = wal.journalStats();
            assertThat(stats.enabled()).isTrue();
            assertThat(stats.commits()).isEqualTo(commits.get());
            assertThat(stats.entries()).isEqualTo(appends);
        }
        try (Wal reopened = Wal.open(dir, options().build())) {
            assertThat(reopened.journalStats().replayedRanges()).as("a clean close leaves nothing to replay").isZero();
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i++) {
                    assertThat(TestPayloads.checkedId(reopened.readEntryAt(refs.get(t).get(i)))).isEqualTo(t * 1000L + i);
                }
            }
        }
    }

    @Test
    void afterAPowerLossOnlyTheJournalHeldTheDurableEntriesAndReplayPutsThemBack() throws IOException {
        List<EntryRef> durable = new ArrayList<>();
        List<EntryRef> bufferedBeforeADurable = new ArrayList<>();
        Path image = powerLossImage(wal -> {
            durable.clear();
            bufferedBeforeADurable.clear();
            for (int i = 0; i < 40; i++) {
                durable.add(wal.appendEntry("k" + (i % 8), null, TestPayloads.content(i, 300), true));
            }
            // buffered appends across rotations (4 KiB segments), then one durable append: they become durable too
            for (int i = 100; i < 130; i++) {
                bufferedBeforeADurable.add(wal.appendEntry("r", null, TestPayloads.content(i, 500), false));
            }
            bufferedBeforeADurable.add(wal.appendEntry("r", null, TestPayloads.content(130, 500), true));
        });
        try (Wal wal = Wal.open(image, options().maxSegmentSize(4096).build())) {
            JournalStats stats = wal.journalStats();
            assertThat(stats.replayedRanges()).as("ranges replayed").isGreaterThan(8);
            assertThat(stats.replayedBytes()).isGreaterThan(40L * 300);
            for (int i = 0; i < durable.size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(durable.get(i)))).isEqualTo(i);
            }
            assertThat(wal.keyInfo("r").orElseThrow().segments()).as("segments of key r").isGreaterThan(2);
            for (int i = 0; i < bufferedBeforeADurable.size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(bufferedBeforeADurable.get(i)))).isEqualTo(100 + i);
            }
            try (Stream<byte[]> r = wal.enumerateRecords("r")) {
                assertThat(r.map(TestPayloads::checkedId)).hasSize(31).isSorted();
            }
        }
    }

    @Test
    void theCliShowsWhatTheLiveJournalHoldsAndVerifyChecksItsRecords() throws IOException {
        Path image = powerLossImage(wal -> {
            for (int i = 0; i < 5; i++) {
                wal.appendEntry("k" + i, null, TestPayloads.content(i, 200), true);
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertThat(WalCli.run(new String[] {"stats", image.toString()}, print, print)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("journal nanowal-0\\.journal: generation 1, 5 "
                + "ranges \\(\\d+ bytes\\) that opening replays into their segments, ending cleanly");
        out.reset();
        WalCli.run(new String[] {"verify", image.toString()}, print, print);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("NOTE: the live journal holds 5 ranges");
        try (Wal wal = Wal.open(image, options().build())) {
            assertThat(wal.enumerateKeys()).hasSize(5);
        }
        out.reset();
        assertThat(WalCli.run(new String[] {"verify", image.toString()}, print, print)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("spare (retired, replays nothing)")
                .doesNotContain("NOTE").contains("no problems");
    }

    @Test
    void aFlippedBitInTheJournalIsCaughtByItsCrcAndNeverReplayedAsData() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        Path image = powerLossImage(wal -> {
            refs.clear();
            for (int i = 0; i < 10; i++) {
                refs.add(wal.appendEntry("k", null, TestPayloads.content(i, 300), true));
            }
        });
        Path journal = journalFile(image);
        long lastRecord = lastRecordOffset(journal);
        SegmentFiles.flipBit(journal, lastRecord + JournalFormat.RECORD_HEADER_SIZE + 100, 3);
        try (Wal wal = Wal.open(image, options().build())) {
            assertThat(wal.journalStats().replayedRanges()).as("records before the damaged one").isEqualTo(9);
            for (int i = 0; i < 9; i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(refs.get(i)))).isEqualTo(i);
            }
            assertThatThrownBy(() -> wal.readEntryAt(refs.get(9))).isInstanceOf(WalEntryNotFoundException.class);
            try (Stream<byte[]> k = wal.enumerateRecords("k")) {
                assertThat(k.map(TestPayloads::checkedId)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            }
            wal.appendEntry("k", null, TestPayloads.content(10, 300), true);
        }
    }

    @Test
    void aTornJournalTailIsCutLikeATornSegmentTail() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        Path image = powerLossImage(wal -> {
            refs.clear();
            for (int i = 0; i < 6; i++) {
                refs.add(wal.appendEntry("k" + i, null, TestPayloads.content(i, 200), true));
            }
        });
        Path journal = journalFile(image);
        long lastRecord = lastRecordOffset(journal);
        try (FileChannel channel = FileChannel.open(journal, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(150), lastRecord + 40);
        }
        try (Wal wal = Wal.open(image, options().build())) {
            assertThat(wal.journalStats().replayedRanges()).isEqualTo(5);
            for (int i = 0; i < 5; i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(refs.get(i)))).isEqualTo(i);
            }
            assertThat(wal.enumerateKeys()).containsExactly("k0", "k1", "k2", "k3", "k4");
        }
        try (Wal again = Wal.open(image, options().build())) {
            assertThat(again.journalStats().replayedRanges()).as("replay retired the journal").isZero();
            assertThat(again.enumerateKeys()).hasSize(5);
        }
    }

    @Test
    void checkpointsRetireFullJournalFilesSoTheirNumberStaysBounded() throws IOException {
        Path dir = root.resolve("bounded");
        try (Wal wal = Wal.open(dir, options().journalFileSize(WalOptions.MIN_JOURNAL_FILE_SIZE).build())) {
            for (int i = 0; i < 1000; i++) {
                wal.appendEntry("k" + (i % 50), null, TestPayloads.content(i, 9000), true);
            }
            try (Stream<Path> files = Files.list(dir)) {
                long journals = files.filter(f -> JournalFormat.slotOf(f.getFileName().toString()) >= 0).count();
                System.out.println("JournalTest: " + journals + " journal files after 9 MB of durable appends into 1 MiB files");
                assertThat(journals).as("journal files after 9 MB of durable appends into 1 MiB files").isBetween(1L, 16L);
            }
            assertThat(wal.journalStats().checkpoints()).as("checkpoints run when files filled").isPositive();
            assertThat(wal.journalStats().bytes()).isGreaterThan(9_000_000);
        }
        try (Wal wal = Wal.open(dir, options().build())) {
            assertThat(wal.stats().keys()).isEqualTo(50);
            try (Stream<byte[]> k = wal.enumerateRecords("k7")) {
                assertThat(k.count()).isEqualTo(20);
            }
        }
    }

    @Test
    void bufferedAppendsAcrossRotationsNeverWaitForAnFsync() throws IOException {
        Path dir = Files.createDirectories(root.resolve("buffered"));
        CrashStorage counting = new CrashStorage(dir, 0, Mode.PROCESS_CRASH, null, () -> { });
        try (Wal wal = Wal.open(dir, options().maxSegmentSize(4096).build(), counting)) {
            // the open's own: the extents file written into the new directory
            long atOpen = fsyncs(counting);
            for (int i = 0; i < 500; i++) {
                wal.appendEntry("k" + (i % 3), null, TestPayloads.content(i, 700), false);
            }
            assertThat(wal.keyInfo("k0").orElseThrow().segments()).as("rotations").isGreaterThan(20);
            assertThat(fsyncs(counting) - atOpen).as("fsyncs during 500 buffered appends across rotations").isZero();
            wal.sync();
            assertThat(fsyncs(counting)).as("the sync fsyncs the rotated segments").isGreaterThan(60);
        }
    }

    private static long fsyncs(CrashStorage storage) {
        return storage.steps().stream().filter(step -> step.startsWith("force") || step.startsWith("fsync")).count();
    }

    @Test
    void aFailingJournalFailsTheDurableAppendsItHeldAndTheyWorkAgainOnceItHeals() throws IOException {
        Path dir = root.resolve("faulty");
        FaultyStorage storage = new FaultyStorage();
        Ledger ledger = new Ledger();
        try (Wal wal = Wal.open(dir, options().build(), storage)) {
            for (int i = 0; i < 5; i++) {
                ledger.append(wal, "a" + i, 300, true);
            }
            for (Op op : List.of(Op.FORCE, Op.WRITE)) {
                storage.fail(Fault.EIO, op).onlyFor(JournalFormat.FILE_SUFFIX);
                assertThatThrownBy(() -> ledger.append(wal, "a1", 300, true)).isInstanceOf(WalIOException.class)
                        .hasMessageContaining("commit journal");
                assertThatThrownBy(() -> ledger.append(wal, "a2", 300, true)).isInstanceOf(WalIOException.class);
                ledger.append(wal, "a3", 300, false);
                storage.heal();
                for (int i = 0; i < 5; i++) {
                    ledger.append(wal, "a" + i, 300, true);
                }
                ledger.checkAll(wal, false);
            }
        }
        try (Wal wal = Wal.open(dir, options().build())) {
            ledger.checkAll(wal, true);
        }
        try (Stream<Path> files = Files.list(dir)) {
            // each failure moves on to a new file (the failed one may hold a hole); the checkpoint at close
            // retired them all, and later commits reuse them
            assertThat(files.filter(f -> JournalFormat.slotOf(f.getFileName().toString()) >= 0).count())
                    .as("journal files after two failures").isLessThanOrEqualTo(4);
        }
    }

    /**
     * A checkpoint whose retirement of a journal file fails (the zeroing of its header, the step that recycles it)
     * fails the sync that ran it and keeps the file live: a crash then replays it, idempotently, and a later
     * checkpoint retires it.
     */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void aJournalFileWhoseRetirementFailsStaysLiveUntilALaterCheckpointAndLosesNothing(Fault fault)
            throws IOException {
        Path dir = root.resolve("retire-" + fault);
        Path crashed = root.resolve("crashed-" + fault);
        FaultyStorage storage = new FaultyStorage();
        Ledger ledger = new Ledger();
        Ledger atCrash;
        try (Wal wal = Wal.open(dir, options().build(), storage)) {
            for (int i = 0; i < 40; i++) {
                ledger.append(wal, "k" + (i % 5), 300, i % 3 != 0);
            }
            storage.fail(fault, Op.WRITE).onlyFor(JournalFormat.fileName(0));
            assertThatThrownBy(wal::sync).isInstanceOf(WalIOException.class)
                    .hasMessageContaining("Could not retire the commit journal files");
            assertThat(storage.injected()).as("the retirement's write failed").isPositive();
            storage.heal();
            ledger.allAcknowledgedAreDurable();
            // what a crash right now leaves: the file is still live
            copyFiles(dir, crashed);
            atCrash = ledger.copy();

            ledger.append(wal, "k0", 300, true);
            wal.sync();
            ledger.allAcknowledgedAreDurable();
            ledger.checkAll(wal, false);
        }
        try (Wal wal = Wal.open(dir, options().build())) {
            assertThat(wal.journalStats().replayedRanges()).as("the later checkpoint and close retired it").isZero();
            ledger.checkAll(wal, true);
        }
        try (Wal wal = Wal.open(crashed, options().build())) {
            assertThat(wal.journalStats().replayedRanges()).as("the file whose retirement failed").isPositive();
            atCrash.checkAll(wal, true);
        }
    }

    private static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    @Test
    void aSegmentWhoseFsyncFailedIsWrittenAgainFromTheJournalByTheNextCheckpoint() throws IOException {
        Path dir = root.resolve("rewrite");
        FaultyStorage storage = new FaultyStorage();
        Ledger ledger = new Ledger();
        try (Wal wal = Wal.open(dir, options().build(), storage)) {
            for (int i = 0; i < 6; i++) {
                ledger.append(wal, "s", 300, true);
            }
            storage.fail(Fault.EIO, Op.FORCE).onlyFor(".log");
            assertThatThrownBy(wal::sync).isInstanceOf(WalIOException.class);
            storage.heal();
            ledger.append(wal, "s", 300, true);
            wal.sync();
            ledger.checkAll(wal, false);
        }
        try (Wal wal = Wal.open(dir, options().build())) {
            assertThat(wal.journalStats().replayedRanges()).isZero();
            ledger.checkAll(wal, true);
        }
    }

    @Test
    void aDurableAppendTooLargeForTheJournalFsyncsItsSegment() throws IOException {
        Path dir = root.resolve("large");
        byte[] large = TestPayloads.content(7, 600 * 1024);
        EntryRef small;
        EntryRef big;
        try (Wal wal = Wal.open(dir, options().journalFileSize(WalOptions.MIN_JOURNAL_FILE_SIZE).build())) {
            small = wal.appendEntry("k", null, TestPayloads.content(1, 100), false);
            big = wal.appendEntry("k", null, large, true);
            assertThat(wal.journalStats().bytes()).as("journal bytes").isLessThan(large.length);
            assertThat(wal.stats().syncs()).as("segment fsyncs").isPositive();
        }
        try (Wal wal = Wal.open(dir)) {
            assertThat(TestPayloads.checkedId(wal.readEntryAt(small))).isEqualTo(1);
            assertThat(wal.readEntryAt(big)).isEqualTo(large);
        }
    }

    @Test
    void aDirectoryWrittenWithTheJournalOpensWithoutItAndBack() {
        Path dir = root.resolve("switch");
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, options().build())) {
            refs.add(wal.logEntry("k", null, TestPayloads.content(0, 100)));
        }
        try (Wal wal = Wal.open(dir, options().journal(false).build())) {
            assertThat(wal.journalStats().enabled()).isFalse();
            refs.add(wal.logEntry("k", null, TestPayloads.content(1, 100)));
        }
        try (Wal wal = Wal.open(dir, options().build())) {
            for (int i = 0; i < refs.size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(refs.get(i)))).isEqualTo(i);
            }
        }
    }

    /**
     * Replay reads a journal file a window at a time (16 MiB) and writes each window's ranges per segment: records
     * that straddle a window's end, adjoining ranges of many keys, and one range larger than the window all come back.
     */
    @Test
    void aJournalLargerThanReplaysReadWindowComesBackWhole() throws IOException {
        List<List<EntryRef>> batches = new ArrayList<>();
        List<EntryRef> large = new ArrayList<>();
        // few commits: the crash storage copies the whole journal file at each of its fsyncs
        int keys = 13;
        int rounds = 8;
        int size = 200_000;
        // no background fsync, which would cover the large key's buffered bytes before its durable append
        Path image = powerLossImage(options().journalFileSize(128L << 20).backgroundSyncSize(0).build(), wal -> {
            batches.clear();
            large.clear();
            for (int round = 0; round < rounds; round++) {
                List<WalEntry> batch = new ArrayList<>();
                for (int key = 0; key < keys; key++) {
                    batch.add(WalEntry.of("k" + key, TestPayloads.content((long) round * keys + key, size)));
                }
                batches.add(wal.appendBatch(batch, true));
            }
            // buffered, then made durable by one durable append: a single range of 18 MiB
            for (int i = 0; i < 18; i++) {
                large.add(wal.appendEntry("large", null, TestPayloads.content(i, 1 << 20), i == 17));
            }
        });
        try (Wal wal = Wal.open(image, options().build())) {
            JournalStats stats = wal.journalStats();
            assertThat(stats.replayedBytes()).as("bytes replayed").isGreaterThan(2L * 16 * 1024 * 1024);
            for (int round = 0; round < rounds; round++) {
                for (int key = 0; key < keys; key++) {
                    assertThat(TestPayloads.checkedId(wal.readEntryAt(batches.get(round).get(key))))
                            .isEqualTo((long) round * keys + key);
                }
            }
            for (int i = 0; i < large.size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(large.get(i)))).isEqualTo(i);
            }
            try (Stream<byte[]> k0 = wal.enumerateRecords("k0")) {
                assertThat(k0.map(TestPayloads::checkedId)).hasSize(rounds).isSorted();
            }
        }
    }

    /**
     * The directory a power loss leaves right after {@code work}: a first run counts the storage steps {@code work}
     * takes, a second run does the same and crashes at the next step (the start of a sync), keeping only what was
     * fsynced, under the names the directory had at its last fsync.
     */
    private Path powerLossImage(Consumer<Wal> work) throws IOException {
        return powerLossImage(options().maxSegmentSize(4096).build(), work);
    }

    private Path powerLossImage(WalOptions walOptions, Consumer<Wal> work) throws IOException {
        Path counted = root.resolve("counted");
        CrashStorage counting = new CrashStorage(Files.createDirectories(counted), 0, Mode.POWER_LOSS, null, () -> { });
        try (Wal wal = Wal.open(counted, walOptions, counting)) {
            work.accept(wal);
            int steps = counting.steps().size();
            Path crashed = root.resolve("crashed");
            Path image = root.resolve("image");
            CrashStorage crashing = new CrashStorage(Files.createDirectories(crashed), steps + 1, Mode.POWER_LOSS, image,
                    () -> { });
            Wal second = Wal.open(crashed, walOptions, crashing);
            work.accept(second);
            assertThatThrownBy(second::sync).isInstanceOf(WalIOException.class);
            assertThat(crashing.crashed()).isTrue();
            try {
                second.close();
            } catch (WalException expected) {
                // the machine is down
            }
            return image;
        }
    }

    private static Path journalFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> JournalFormat.slotOf(f.getFileName().toString()) >= 0).findFirst().orElseThrow();
        }
    }

    /** Where the last record of the journal file starts. */
    private static long lastRecordOffset(Path journal) throws IOException {
        long[] last = {-1};
        try (FileChannel channel = FileChannel.open(journal)) {
            long generation = JournalReader.generation(channel);
            assertThat(generation).as("the image's journal is live").isPositive();
            long[] at = {JournalFormat.FILE_HEADER_SIZE};
            JournalReader.read(channel, generation, (keyHash, sequence, offset, entries, data) -> {
                last[0] = at[0];
                at[0] += JournalFormat.recordSize(data.remaining());
            });
        }
        assertThat(last[0]).isPositive();
        return last[0];
    }
}
