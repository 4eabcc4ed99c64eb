package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.CrashStorage.Mode;
import dev.nanowal.internal.format.JournalFormat;
import dev.nanowal.internal.format.JournalReader;
import dev.nanowal.internal.format.SegmentNames;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening after a power loss that left the commit journal live: replay writes the journal's ranges into their
 * segments without fsyncing them, and the journal files stay the record of those bytes until the first checkpoint
 * has fsynced every segment replay wrote (FORMAT.md, "The commit journal"). A crash at every I/O step of such an
 * open, of the appends after it, of that checkpoint and of the close, in every kind of crash CrashStorage knows:
 * every entry acknowledged durable before the first power loss or after the open reads back exactly, nothing
 * that was never appended comes back, no damage is reported, and the WAL takes appends and reopens.
 */
@ExtendWith(QuietWalLogs.class)
class ReplayCrashTest {

    @TempDir
    Path root;

    private int recoveries;
    private int checked;

    /** No timed checkpoint: the replayed files stay live until the scenario's sync, whatever the timing. */
    private static WalOptions options() {
        return WalOptions.builder().checkpointInterval(Duration.ofHours(1)).maxSegmentSize(4096).build();
    }

    /** Before the power loss: durable appends to several keys across rotations, buffered ones between them. */
    private static void beforeThePowerLoss(Wal wal, Ledger ledger) {
        for (int i = 0; i < 24; i++) {
            ledger.append(wal, "k" + (i % 4), 300 + (i % 5) * 40, i % 3 != 2);
        }
        ledger.append(wal, "r", 2500, false);
        ledger.append(wal, "r", 2500, true);
    }

    /** After the reopen: appends to replayed and new keys, the checkpoint that retires the replayed files, more. */
    private static void afterTheReopen(Wal wal, Ledger ledger) {
        ledger.append(wal, "k0", 200, true);
        ledger.append(wal, "k1", 200, false);
        ledger.append(wal, "n", 200, true);
        wal.sync();
        ledger.allAcknowledgedAreDurable();
        ledger.append(wal, "k2", 3000, true);
        ledger.append(wal, "k3", 200, false);
        wal.close();
        ledger.allAcknowledgedAreDurable();
    }

    @Test
    void everyDurableEntrySurvivesACrashAtEveryStepOfAnOpenThatReplayedTheJournal() throws IOException {
        Ledger[] before = new Ledger[1];
        Path template = powerLossImage((wal, ledger) -> {
            beforeThePowerLoss(wal, ledger);
            before[0] = ledger;
        });
        Ledger prepared = before[0].afterCrash(new HashSet<>(before[0].durableIds()));
        assertThat(liveJournalFiles(template)).as("live journal files the power loss left").isPositive();

        CrashStorage counting = new CrashStorage(WalCopies.copy(template, root.resolve("count")), 0, Mode.POWER_LOSS,
                null, () -> { });
        counting.runUntilCrash(root.resolve("count"), options(), wal -> {
            assertThat(wal.journalStats().replayedRanges()).as("ranges replayed").isGreaterThan(10);
            afterTheReopen(wal, prepared.copy());
        }, "the counting run");
        List<String> steps = counting.steps();
        assertThat(steps).as("steps of the open, the appends, the checkpoint and the close").hasSizeGreaterThan(30);

        int crashes = 0;
        for (Mode mode : Mode.values()) {
            for (int n = 1; n <= steps.size() + 1; n++) {
                crashAt(template, prepared, n, mode, steps);
                crashes++;
            }
        }
        System.out.println("[ReplayCrashTest] " + steps.size() + " steps x " + Mode.values().length + " crash kinds = "
                + crashes + " crashes, " + recoveries + " recoveries, " + checked + " durable entries checked; 0 lost");
    }

    private void crashAt(Path template, Ledger prepared, int n, Mode mode, List<String> steps) throws IOException {
        Path work = WalCopies.copy(template, root.resolve("run-" + mode + "-" + n));
        Path crashed = root.resolve("crashed-" + mode + "-" + n);
        Ledger ledger = prepared.copy();
        Set<Long> durableAtCrash = new HashSet<>();
        CrashStorage storage = new CrashStorage(work, n, mode, crashed, () -> durableAtCrash.addAll(ledger.durableIds()));
        String where = "crash (" + mode + ") before step " + n
                + (n <= steps.size() ? " '" + steps.get(n - 1) + "'" : " (after the end)");
        storage.runUntilCrash(work, options(), wal -> afterTheReopen(wal, ledger), where);
        if (!storage.crashed()) {
            return;
        }
        Ledger oracle = ledger.durableOnly(durableAtCrash);
        try {
            oracle.checkRecoveryOf(crashed, options(), List.of("k0", "n"));
            recoveries++;
            checked += durableAtCrash.size();
            try (Wal again = Wal.open(crashed, options())) {
                assertThat(again.journalStats().replayedRanges()).as("a clean close leaves nothing to replay").isZero();
                oracle.checkAll(again, true);
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("after a " + where + ": " + e.getMessage(), e);
        }
        WalCopies.delete(work);
        WalCopies.delete(crashed);
    }

    @Test
    void theOpenFsyncsNoSegmentAndTheFirstCheckpointFsyncsThemBeforeRetiringTheJournal() throws IOException {
        Ledger[] before = new Ledger[1];
        Path image = powerLossImage((wal, ledger) -> {
            beforeThePowerLoss(wal, ledger);
            before[0] = ledger;
        });
        Set<String> journaled = journaledSegments(image);
        assertThat(journaled).as("segments the live journal holds ranges of").hasSizeGreaterThan(4);
        // added to by the checkpoint's parallel fsyncs, from several threads
        Set<String> forced = ConcurrentHashMap.newKeySet();
        AtomicInteger segmentForcesAtOpen = new AtomicInteger();
        HookedStorage counting = new HookedStorage(new FaultyChannel.Hooks() {
            @Override
            public void force(Path path, FileChannel real, boolean metaData) throws IOException {
                SegmentNames.Parsed segment = SegmentNames.parse(path.getFileName().toString());
                if (segment != null) {
                    forced.add(segment.keyHash() + "/" + segment.sequence());
                }
                real.force(metaData);
            }
        });
        try (Wal wal = Wal.open(image, options(), counting)) {
            segmentForcesAtOpen.set(forced.size());
            assertThat(wal.journalStats().replayedRanges()).isGreaterThan(10);
            assertThat(liveJournalFiles(image)).as("journal files still live after the open").isPositive();
            before[0].afterCrash(new HashSet<>(before[0].durableIds())).checkAll(wal, true);
            wal.sync();
            assertThat(liveJournalFiles(image)).as("journal files live after the first checkpoint").isZero();
        }
        assertThat(segmentForcesAtOpen.get()).as("segments fsynced by the open").isZero();
        assertThat(forced).as("segments the checkpoint fsynced").containsAll(journaled);
    }

    /** The segments the live journal files of {@code dir} hold ranges of, as "key hash/sequence". */
    private static Set<String> journaledSegments(Path dir) throws IOException {
        Set<String> segments = new HashSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> JournalFormat.slotOf(f.getFileName().toString()) >= 0).toList()) {
                try (FileChannel channel = FileChannel.open(file)) {
                    long generation = JournalReader.generation(channel);
                    if (generation > 0) {
                        JournalReader.read(channel, generation, (keyHash, sequence, offset, entries, data) ->
                                segments.add(keyHash + "/" + sequence));
                    }
                }
            }
        }
        return segments;
    }

    /**
     * What a power loss leaves right after {@code work}: a first run counts its storage steps, a second crashes at
     * the next one (the start of a sync), keeping only what was fsynced. {@code work} gets a fresh ledger each run.
     */
    private Path powerLossImage(BiConsumer<Wal, Ledger> work) throws IOException {
        Path counted = Files.createDirectories(root.resolve("image-count"));
        CrashStorage counting = new CrashStorage(counted, 0, Mode.POWER_LOSS, null, () -> { });
        int steps;
        try (Wal wal = Wal.open(counted, options(), counting)) {
            work.accept(wal, new Ledger());
            steps = counting.steps().size();
        }
        Path image = root.resolve("image");
        Path source = Files.createDirectories(root.resolve("image-source"));
        CrashStorage crashing = new CrashStorage(source, steps + 1, Mode.POWER_LOSS, image, () -> { });
        Wal wal = Wal.open(source, options(), crashing);
        work.accept(wal, new Ledger());
        assertThatThrownBy(wal::sync).isInstanceOf(WalIOException.class);
        assertThat(crashing.crashed()).isTrue();
        try {
            wal.close();
        } catch (WalException expected) {
            // the machine is down
        }
        return image;
    }

    private static int liveJournalFiles(Path dir) throws IOException {
        int live = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> JournalFormat.slotOf(f.getFileName().toString()) >= 0).toList()) {
                try (FileChannel channel = FileChannel.open(file)) {
                    live += JournalReader.generation(channel) > 0 ? 1 : 0;
                }
            }
        }
        return live;
    }
}
