package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.nanowal.FaultyStorage.Fault;
import dev.nanowal.FaultyStorage.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Finding E (docs/RELIABILITY.md): while every fsync fails with EIO, appends fail with {@link WalIOException} and
 * the number of files in the directory stays bounded, however many appends try and however many background
 * checkpoints fail meanwhile; once the disk works again appends succeed without a reopen, and every acknowledged
 * entry reads back after one.
 */
@ExtendWith(QuietWalLogs.class)
class FailingFsyncTest {

    private static final int KEYS = 5;

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
    private final FaultyStorage storage = new FaultyStorage();
    private final Ledger ledger = new Ledger();

    private WalOptions options(boolean journal) {
        // checkpoints every millisecond, so that many of them fail (each used to cost every written key a segment)
        return WalOptions.builder().clock(clock).journal(journal).checkpointInterval(Duration.ofMillis(1)).build();
    }

    @ParameterizedTest(name = "journal={0}")
    @ValueSource(booleans = {true, false})
    void manyThousandAppendsUnderFailingFsyncKeepTheFileCountBounded(boolean journal) throws IOException {
        try (Wal wal = openThenFailEveryFsync(journal)) {
            int durableFailures = failingAppends(wal, 2_000);
            assertThat(wal.diskState()).isEqualTo(DiskState.FAILING);
            long filesEarly = files();
            durableFailures += failingAppends(wal, 20_000);
            long filesLate = files();
            System.out.printf("[FailingFsyncTest] journal=%s: %d durable appends refused or failed, files %d after "
                    + "2,000 appends, %d after 22,000%n", journal, durableFailures, filesEarly, filesLate);
            assertThat(durableFailures).isEqualTo(11_000);
            assertThat(filesLate).as("files after 20,000 more appends under failing fsync").isEqualTo(filesEarly)
                    .isLessThanOrEqualTo(bound());
            healAndCheck(wal);
        }
        reopenAndCheck(journal);
    }

    @ParameterizedTest(name = "journal={0}")
    @ValueSource(booleans = {true, false})
    void threeSecondsOfAppendsUnderFailingFsyncKeepTheFileCountBounded(boolean journal) throws IOException {
        try (Wal wal = openThenFailEveryFsync(journal)) {
            long most = 0;
            long appends = 0;
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                failingAppends(wal, 500);
                appends += 500;
                most = Math.max(most, files());
            }
            System.out.printf("[FailingFsyncTest] journal=%s: %d appends in 3 s under failing fsync, at most %d "
                    + "files%n", journal, appends, most);
            assertThat(most).isLessThanOrEqualTo(bound());
            healAndCheck(wal);
        }
        reopenAndCheck(journal);
    }

    /** Per key its first segment and one replacement, the journal's files, the lock and the probe. */
    private static long bound() {
        return KEYS * 2L + 16 + 2;
    }

    /** A WAL with some entries in every key, on a disk whose every fsync (of files and directory) fails with EIO. */
    private Wal openThenFailEveryFsync(boolean journal) {
        Wal wal = Wal.open(dir, options(journal), storage);
        for (int i = 0; i < 50; i++) {
            ledger.append(wal, "k" + (i % KEYS), 200, i % 2 == 0);
        }
        storage.fail(Fault.EIO, Op.FORCE, Op.FSYNC_DIRECTORY);
        return wal;
    }

    /** Appends, every other one durable; returns how many durable ones threw (every one should). */
    private int failingAppends(Wal wal, int count) {
        int durableFailures = 0;
        for (int i = 0; i < count; i++) {
            boolean durable = i % 2 == 0;
            Throwable thrown = catchThrowable(() -> ledger.append(wal, "k" + (ledger.attempts().size() % KEYS), 200,
                    durable));
            if (thrown != null) {
                assertThat(thrown).isInstanceOf(WalIOException.class);
                assertThat(((WalIOException) thrown).isDiskFull()).as("%s", thrown).isFalse();
            }
            if (durable && thrown != null) {
                durableFailures++;
            }
        }
        return durableFailures;
    }

    private void healAndCheck(Wal wal) {
        storage.heal();
        for (int i = 0; i < 20; i++) {
            ledger.append(wal, "k" + (i % KEYS), 200, true);
        }
        assertThat(wal.diskState()).isEqualTo(DiskState.WRITABLE);
        ledger.checkAll(wal, false);
        wal.sync();
    }

    private void reopenAndCheck(boolean journal) {
        try (Wal wal = Wal.open(dir, options(journal))) {
            ledger.allAcknowledgedAreDurable();
            ledger.checkAll(wal, false);
        }
    }

    private long files() throws IOException {
        try (Stream<Path> listing = Files.list(dir)) {
            return listing.count();
        }
    }
}
