package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.nanowal.FaultyStorage.Fault;
import dev.nanowal.FaultyStorage.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Disk full (ENOSPC) and I/O errors (EIO) injected on write, force, truncate, file creation, rename, deletion
 * and directory fsync, through {@link FaultyStorage}, at appends (buffered, write-through, large, durable),
 * rotation, compaction, sync and reopen; plus a real size-limited tmpfs where the machine allows a mount.
 *
 * <p>What must hold: the failing call throws {@link WalIOException} ({@code isDiskFull()} for ENOSPC);
 * every entry acknowledged before reads back exactly, durable ones across close and reopen; nothing
 * half-written is ever read back (only acknowledged entries, or an append that failed and is in doubt, whole
 * and exact); once the fault is gone appends work again without reopening; reads, enumeration and reopening
 * work while writes fail.
 */
@ExtendWith(QuietWalLogs.class)
class FaultInjectionTest {

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
    private final FaultyStorage storage = new FaultyStorage();
    private final Ledger ledger = new Ledger();

    private WalOptions.Builder options() {
        return WalOptions.builder().clock(clock).entryRetention(Duration.ofHours(1)).segmentsPerRetentionPeriod(4);
    }

    private Wal open(WalOptions options) {
        return Wal.open(dir, options, storage);
    }

    private static void assertFails(Fault fault, ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("the call under an injected %s", fault).isInstanceOf(WalIOException.class);
        assertThat(((WalIOException) thrown).isDiskFull()).as("isDiskFull() of %s", thrown).isEqualTo(fault == Fault.ENOSPC);
    }

    /** After a clean close every acknowledged entry is there, and nothing else (no failed append came back). */
    private void reopenAndCheckExactly() {
        try (Wal wal = Wal.open(dir, options().build())) {
            ledger.allAcknowledgedAreDurable();
            ledger.checkReadable(wal, false);
            Map<String, List<Long>> seen = ledger.checkEnumeration(wal, false);
            Set<Long> all = new TreeSet<>();
            seen.values().forEach(all::addAll);
            assertThat(all).as("entries after reopen").isEqualTo(new TreeSet<>(ledger.acknowledged().keySet()));
        }
    }

    /** After reopening, acknowledged entries are there; failed (in doubt) appends may be, whole. */
    private void reopenAndCheck() {
        try (Wal wal = Wal.open(dir, options().build())) {
            ledger.allAcknowledgedAreDurable();
            ledger.checkAll(wal, false);
            ledger.append(wal, "a", 100, true);
            ledger.checkAll(wal, false);
        }
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    // ---- appends -------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Fault.class)
    void writeThroughAppendFailsCleanlyAndRecovers(Fault fault) throws IOException {
        for (boolean partial : new boolean[] {false, true}) {
            try (Wal wal = open(options().writeBufferSize(0).build())) {
                for (int i = 0; i < 10; i++) {
                    ledger.append(wal, i % 2 == 0 ? "a" : "b", 200 + i, i % 3 == 0);
                }
                storage.fail(fault, Op.WRITE).partialWrites(partial);
                for (int i = 0; i < 3; i++) {
                    assertFails(fault, () -> ledger.append(wal, "a", 300, false));
                    assertFails(fault, () -> ledger.append(wal, "b", 300, true));
                }
                assertThat(wal.lastWriteFailure()).isPresent();
                ledger.checkAll(wal, false);
                assertThat(wal.enumerateKeys()).containsExactly("a", "b");

                storage.heal();
                for (int i = 0; i < 4; i++) {
                    ledger.append(wal, i % 2 == 0 ? "a" : "b", 400, i % 2 == 0);
                }
                ledger.checkAll(wal, false);
                assertThat(wal.lastWriteFailure()).isEmpty();
            }
            assertThat(storage.injected()).isPositive();
            reopenAndCheckExactly();
        }
    }

    /** {@code count} entries of 100 B to key "a", entry i holding id i. */
    private static List<WalEntry> batchOfA(int count) {
        List<WalEntry> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(WalEntry.of("a", TestPayloads.content(i, 100)));
        }
        return batch;
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aBatchToOneKeyThatMeetsAFailingWriteKeepsTheEntriesBeforeItAsAPrefix(Fault fault) {
        List<WalEntry> batch = batchOfA(1000);
        int kept;
        try (Wal wal = open(options().build())) {
            // the segment's file exists before the failure (its creation is a write too)
            wal.appendBatch(batch.subList(0, 1), false);
            storage.fail(fault, Op.WRITE);
            assertFails(fault, () -> wal.appendBatch(batch.subList(1, batch.size()), false));
            kept = (int) wal.stats().appends();
            // the first write comes when the 64 KiB buffer is full: the entries before it are appended
            assertThat(kept).as("entries kept of the batch").isBetween(2, 999);
            assertThat(wal.keyInfo("a").orElseThrow().entries()).isEqualTo(kept);
            assertThat(wal.stats().appendedBytes()).isEqualTo(100L * kept);
            storage.heal();
            List<EntryRef> more = wal.appendBatch(batch.subList(kept, batch.size()), false);
            assertThat(wal.lastEntry("a")).contains(more.get(more.size() - 1));
        }
        try (Wal wal = Wal.open(dir, options().build())) {
            List<Long> ids = wal.enumerateRecords("a").map(TestPayloads::checkedId).toList();
            assertThat(ids).as("the batch, from its kept prefix and the rest appended again")
                    .isEqualTo(java.util.stream.LongStream.range(0, 1000).boxed().toList());
        }
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aBatchToOneKeyWhoseRotationCannotCreateASegmentCountsWhatItAppended(Fault fault) {
        List<WalEntry> batch = batchOfA(100);
        long kept;
        try (Wal wal = open(options().maxSegmentSize(4096).build())) {
            wal.appendBatch(batch.subList(0, 1), false);
            storage.fail(fault, Op.CREATE);
            assertFails(fault, () -> wal.appendBatch(batch.subList(1, batch.size()), false));
            // the first segment of 4 KiB takes about 30 records of 128 B; the next one cannot be made
            kept = wal.stats().appends();
            assertThat(kept).as("entries kept of the batch").isBetween(2L, 99L);
            assertThat(wal.keyInfo("a").orElseThrow().entries()).isEqualTo(kept);
            assertThat(wal.stats().appendedBytes()).isEqualTo(100L * kept);
            storage.heal();
        }
        try (Wal wal = Wal.open(dir, options().build())) {
            assertThat(wal.enumerateRecords("a").map(TestPayloads::checkedId).toList()).as("the kept prefix")
                    .isEqualTo(java.util.stream.LongStream.range(0, kept).boxed().toList());
        }
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aLargeEntryWrittenInPiecesIsCutAfterAShortWrite(Fault fault) {
        try (Wal wal = open(options().build())) {
            ledger.append(wal, "a", 90_000, true);
            ledger.append(wal, "a", 100, false);
            storage.fail(fault, Op.WRITE).partialWrites(true);
            assertFails(fault, () -> ledger.append(wal, "a", 150_000, false));
            assertFails(fault, () -> ledger.append(wal, "a", 150_000, true));
            storage.heal();
            ledger.append(wal, "a", 120_000, true);
            ledger.append(wal, "a", 100, true);
            ledger.checkAll(wal, false);
        }
        reopenAndCheckExactly();
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFullWriteBufferThatCannotBeFlushedFailsTheAppendThatNeedsRoom(Fault fault) {
        try (Wal wal = open(options().build())) {
            ledger.append(wal, "a", 1000, true);
            storage.fail(fault, Op.WRITE).partialWrites(true);
            int appended = 0;
            Throwable failure = null;
            while (failure == null && appended < 50) {
                failure = catchThrowable(() -> ledger.append(wal, "a", 10_000, false));
                appended++;
            }
            assertThat(failure).as("an append once the 64 KiB buffer is full").isNotNull();
            Throwable first = failure;
            assertFails(fault, () -> {
                throw first;
            });
            assertFails(fault, () -> ledger.append(wal, "a", 10_000, false));
            ledger.checkReadable(wal, true);
            storage.heal();
            ledger.append(wal, "a", 10_000, false);
            ledger.checkAll(wal, false);
        }
        reopenAndCheckExactly();
    }

    /**
     * The entries an application appended without {@code durable} sit in the write buffer; while the disk is
     * full, reading or enumerating them must still work (they are in memory).
     */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void bufferedEntriesStayReadableWhileTheDiskIsFull(Fault fault) {
        try (Wal wal = open(options().build())) {
            ledger.append(wal, "a", 1000, true);
            ledger.append(wal, "a", 1000, false);
            storage.fail(fault, Op.WRITE);
            ledger.checkAll(wal, false);
            assertThat(wal.enumerateKeys()).containsExactly("a");
            storage.heal();
        }
        reopenAndCheckExactly();
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aDurableAppendWhoseWriteFailsThrowsAndAppendsResumeAfterwards(Fault fault) {
        try (Wal wal = open(options().build())) {
            for (int i = 0; i < 5; i++) {
                ledger.append(wal, "a", 500, true);
            }
            storage.fail(fault, Op.WRITE).partialWrites(true);
            assertFails(fault, () -> ledger.append(wal, "a", 500, true));
            assertFails(fault, () -> ledger.append(wal, "b", 500, true));
            ledger.checkReadable(wal, true);
            storage.heal();
            ledger.append(wal, "a", 500, true);
            ledger.append(wal, "b", 500, true);
            ledger.checkAll(wal, false);
        }
        reopenAndCheck();
    }

    /**
     * Without the journal, a durable append whose write failed must not leave its entry behind, as
     * {@link Wal#appendEntry} promises (its frame reaches the file under the key's lock).
     */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailedDurableAppendLeavesNothingBehindWithoutTheJournal(Fault fault) {
        try (Wal wal = open(options().journal(false).build())) {
            ledger.append(wal, "a", 500, true);
            storage.fail(fault, Op.WRITE);
            assertFails(fault, () -> ledger.append(wal, "a", 500, true));
            storage.heal();
            ledger.append(wal, "a", 500, true);
        }
        reopenAndCheckExactly();
    }

    /**
     * With the journal, a durable append whose journal write failed is not acknowledged but its entry stays in the
     * segment's buffer, like one whose fsync failed: it may read back, in order, and nothing else appears.
     */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void aDurableAppendWhoseJournalWriteFailedIsNotAcknowledgedAndLosesNothingElse(Fault fault) {
        try (Wal wal = open(options().build())) {
            ledger.append(wal, "a", 500, true);
            storage.fail(fault, Op.WRITE);
            assertFails(fault, () -> ledger.append(wal, "a", 500, true));
            storage.heal();
            ledger.append(wal, "a", 500, true);
            ledger.checkAll(wal, false);
        }
        reopenAndCheck();
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailedFsyncFailsTheDurableAppendAndTheKeyMovesOn(Fault fault) {
        try (Wal wal = open(options().build())) {
            for (int i = 0; i < 5; i++) {
                ledger.append(wal, "a", 500, i % 2 == 0);
            }
            storage.fail(fault, Op.FORCE);
            assertFails(fault, () -> ledger.append(wal, "a", 500, true));
            assertFails(fault, () -> ledger.append(wal, "a", 500, true));
            ledger.append(wal, "a", 500, false);
            ledger.checkAll(wal, false);
            storage.heal();
            ledger.append(wal, "a", 500, true);
            ledger.append(wal, "b", 500, true);
            ledger.checkAll(wal, false);
            wal.sync();
        }
        reopenAndCheck();
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailedDirectoryFsyncFailsTheFirstDurableAppendOfANewSegment(Fault fault) {
        try (Wal wal = open(options().build())) {
            storage.fail(fault, Op.FSYNC_DIRECTORY);
            assertFails(fault, () -> ledger.append(wal, "a", 500, true));
            ledger.append(wal, "a", 500, false);
            storage.heal();
            ledger.append(wal, "a", 500, true);
            ledger.checkAll(wal, false);
        }
        reopenAndCheck();
    }

    // ---- sync ----------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailedSyncThrowsAndAppendsThenSyncsWorkAgain(Fault fault) {
        try (Wal wal = open(options().build())) {
            ledger.append(wal, "a", 500, true);
            ledger.append(wal, "a", 500, false);
            ledger.append(wal, "b", 500, false);
            storage.fail(fault, Op.FORCE);
            assertFails(fault, wal::sync);
            ledger.checkAll(wal, false);
            storage.heal();
            ledger.append(wal, "a", 500, false);
            ledger.append(wal, "b", 500, false);
            wal.sync();
            ledger.checkAll(wal, false);
        }
        reopenAndCheck();
    }

    /** Once the disk is back, sync() (and close()) work again without a new append to the key. */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void syncWorksAgainOnceTheFaultIsGone(Fault fault) {
        try (Wal wal = open(options().build())) {
            ledger.append(wal, "a", 500, false);
            storage.fail(fault, Op.FORCE);
            assertFails(fault, wal::sync);
            storage.heal();
            wal.sync();
        }
    }

    // ---- rotation ------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Op.class, names = {"CREATE", "MOVE", "WRITE", "FORCE", "FSYNC_DIRECTORY"})
    void rotationFailuresThrowAndLeaveNoHalfCreatedSegment(Op op) throws IOException {
        for (Fault fault : Fault.values()) {
            Ledger before = ledger;
            try (Wal wal = open(options().maxSegmentSize(4096).writeBufferSize(0).build())) {
                for (int i = 0; i < 3; i++) {
                    ledger.append(wal, "r", 1000, true);
                }
                storage.fail(fault, op);
                List<Throwable> failures = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    Throwable thrown = catchThrowable(() -> ledger.append(wal, "r", 1000, true));
                    if (thrown != null) {
                        failures.add(thrown);
                    }
                }
                if (op == Op.FSYNC_DIRECTORY) {
                    // the journal carries a new segment's creation: durable appends need no directory fsync
                    assertThat(failures).as("appends across a rotation under %s on %s", fault, op).isEmpty();
                    storage.heal();
                } else {
                    assertThat(failures).as("appends across a rotation under %s on %s", fault, op).isNotEmpty();
                    for (Throwable failure : failures) {
                        assertFails(fault, () -> {
                            throw failure;
                        });
                    }
                    ledger.checkAll(wal, false);
                    clock.advance(Duration.ofMinutes(16));
                    assertFails(fault, () -> ledger.append(wal, "r", 1000, true));
                    storage.heal();
                }
                assertThat(leftovers()).as("temporary files left after failed rotations").isEmpty();
                for (int i = 0; i < 6; i++) {
                    ledger.append(wal, "r", 1000, i % 2 == 0);
                }
                ledger.checkAll(wal, false);
            }
            assertThat(before).isSameAs(ledger);
            reopenAndCheck();
        }
    }

    // ---- compaction ----------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Op.class, names = {"CREATE", "MOVE", "WRITE", "FORCE", "FSYNC_DIRECTORY", "DELETE"})
    void compactionFailuresThrowAndLoseNothingThatIsStillRetained(Op op) {
        for (Fault fault : Fault.values()) {
            List<EntryRef> old = new ArrayList<>();
            List<Long> oldIds = new ArrayList<>();
            try (Wal wal = open(options().build())) {
                for (int round = 0; round < 5; round++) {
                    for (int i = 0; i < 3; i++) {
                        old.add(ledger.append(wal, "c" + (i % 2), 300, true));
                    }
                    clock.advance(Duration.ofMinutes(16));
                }
                oldIds.addAll(ledger.acknowledged().keySet());
                clock.advance(Duration.ofHours(2));
                for (int i = 0; i < 4; i++) {
                    ledger.append(wal, "c" + (i % 2), 300, true);
                }
                ledger.mayHaveExpired(oldIds);
                storage.fail(fault, op);
                for (int attempt = 0; attempt < 2; attempt++) {
                    if (fault == Fault.EIO) {
                        assertFails(fault, wal::compact);
                    } else {
                        // a full disk does not stop compaction: it deletes what needs no new bytes (DiskFullTest)
                        Throwable thrown = catchThrowable(wal::compact);
                        assertThat(thrown == null || ((WalIOException) thrown).isDiskFull()).as("%s", thrown).isTrue();
                    }
                    ledger.checkAll(wal, false);
                }
                storage.heal();
                CompactionResult result = wal.compact();
                assertThat(wal.stats().segmentsDeleted()).isPositive();
                if (fault == Fault.EIO) {
                    assertThat(result.segmentsDeleted() + (op == Op.DELETE ? 1 : 0)).isPositive();
                }
                ledger.checkAll(wal, false);
                for (EntryRef ref : old) {
                    assertThatThrownBy(() -> wal.readEntryAt(ref)).isInstanceOf(WalEntryNotFoundException.class);
                }
                Map<String, List<Long>> seen = ledger.checkEnumeration(wal, false);
                seen.values().forEach(ids -> assertThat(ids).doesNotContainAnyElementsOf(oldIds));
            }
            try (Wal wal = Wal.open(dir, options().build())) {
                ledger.checkAll(wal, false);
                for (EntryRef ref : old) {
                    assertThatThrownBy(() -> wal.readEntryAt(ref)).isInstanceOf(WalEntryNotFoundException.class);
                }
                EntryRef fresh = ledger.append(wal, "c0", 300, true);
                assertThat(old).noneMatch(ref -> ref.sequenceNumber() == fresh.sequenceNumber());
            }
        }
    }

    // ---- reopen --------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Fault.class)
    void theWalOpensAndReadsWhileWritesFail(Fault fault) throws IOException {
        try (Wal wal = Wal.open(dir, options().writeBufferSize(0).build())) {
            for (int i = 0; i < 6; i++) {
                ledger.append(wal, i % 2 == 0 ? "a" : "b", 300, i % 2 == 0);
            }
        }
        ledger.allAcknowledgedAreDurable();
        List<Path> segments = SegmentFiles.segments(dir);
        SegmentFiles.append(segments.get(segments.size() - 1), "torn garbage tail".getBytes());
        storage.fail(fault, Op.WRITE, Op.CREATE, Op.MOVE);
        try (Wal wal = open(options().build())) {
            ledger.checkAll(wal, false);
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isPositive();
            assertFails(fault, () -> ledger.append(wal, "a", 300, true));
            assertFails(fault, () -> ledger.append(wal, "new key", 300, true));
            ledger.checkAll(wal, false);
            storage.heal();
            ledger.append(wal, "a", 300, true);
            ledger.append(wal, "new key", 300, true);
            ledger.checkAll(wal, false);
        }
        reopenAndCheck();
    }

    // ---- a real small file system ----------------------------------------------------------------------

    @Test
    void aRealFullTmpfsFailsAppendsWithDiskFullAndRecoversWhenSpaceReturns() throws Exception {
        Path mount = SmallTmpfs.mountOrSkip(dir.resolve("tmpfs"), "1m");
        try {
            Path walDir = mount.resolve("wal");
            Path filler = mount.resolve("filler");
            Path reserve = mount.resolve("reserve");
            Files.write(filler, new byte[384 * 1024]);
            Files.write(reserve, new byte[192 * 1024]);
            // small write buffers: what the journal holds beyond the segments, and a replay must write into them,
            // stays within the reserve
            WalOptions options = options().maxSegmentSize(128 * 1024).writeBufferSize(4096).build();
            try (Wal wal = Wal.open(walDir, options)) {
                WalIOException full = ledger.fill(wal, "k", 3);
                assertThat(full.isDiskFull()).as("%s", full).isTrue();
                assertThat(ledger.acknowledged()).hasSizeGreaterThan(20);
                ledger.checkReadable(wal, true);
                assertThat(ledger.fill(wal, "k", 3).isDiskFull()).isTrue();

                Files.delete(filler);
                for (int i = 0; i < 10; i++) {
                    ledger.append(wal, "k" + (i % 3), 2000, true);
                }
                ledger.checkAll(wal, false);
                ledger.fill(wal, "k", 3);
                ledger.checkReadable(wal, true);
                catchThrowable(wal::close);
            }
            Wal reopened;
            try {
                reopened = Wal.open(walDir, options);
            } catch (WalIOException stillFull) {
                // the close could not flush every buffer, so durable entries wait in the journal, and replaying
                // them into their segments needs space: the open says so and loses nothing
                assertThat(stillFull.isDiskFull()).as("%s", stillFull).isTrue();
                assertThat(stillFull).hasMessageContaining("free space");
                Files.delete(reserve);
                reopened = Wal.open(walDir, options);
            }
            try (Wal wal = reopened) {
                ledger.checkAll(wal, true);
                assertThatThrownBy(() -> {
                    for (int i = 0; i < 1000; i++) {
                        ledger.append(wal, "k" + (i % 3), 2000, true);
                    }
                }).isInstanceOf(WalIOException.class);
                ledger.checkAll(wal, true);
                // buffered bytes the full disk cannot take make the close fail; their durable entries wait in the
                // journal, and the files are closed all the same
                catchThrowable(wal::close);
                assertThat(wal.isOpen()).isFalse();
            }
            try (Wal wal = Wal.open(walDir, options)) {
                ledger.checkAll(wal, true);
            } catch (WalIOException stillFull) {
                assertThat(stillFull.isDiskFull()).as("%s", stillFull).isTrue();
                assertThat(stillFull).hasMessageContaining("nothing was lost");
            }
        } finally {
            SmallTmpfs.unmount(mount);
        }
    }
}
