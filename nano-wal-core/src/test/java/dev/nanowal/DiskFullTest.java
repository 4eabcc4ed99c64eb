package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk is a state ({@link DiskState#DISK_FULL}), on a real 2 MiB tmpfs: the WAL learns it from ENOSPC,
 * refuses appends at once without writing anything, keeps serving reads, compacts (which frees space), notices the
 * space without a restart, takes appends again, and reopens with every acknowledged entry; a process crash while
 * full loses no durable entry. Skipped where the machine does not allow the mount (it needs root).
 */
@ExtendWith(QuietWalLogs.class)
class DiskFullTest {

    private static Path mount;

    @TempDir
    Path elsewhere;

    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
    private final Ledger ledger = new Ledger();

    @BeforeAll
    static void mountSmallTmpfs() throws Exception {
        mount = Files.createTempDirectory("nanowal-full");
        SmallTmpfs.mountOrSkip(mount, "2m");
    }

    @AfterAll
    static void unmount() throws Exception {
        SmallTmpfs.unmount(mount);
        Files.deleteIfExists(mount);
    }

    private WalOptions options() {
        return WalOptions.builder().clock(clock).entryRetention(Duration.ofHours(1)).segmentsPerRetentionPeriod(4)
                .maxSegmentSize(128 * 1024).writeBufferSize(4096).build();
    }

    @Test
    void aFullDiskIsAStateThatRefusesAppendsServesReadsCompactsAndClearsWhenSpaceIsBack() throws IOException {
        Path walDir = mount.resolve("wal");
        List<DiskState> states = new CopyOnWriteArrayList<>();
        try (Wal wal = Wal.open(walDir, options())) {
            wal.addListener(new WalListener() {
                @Override
                public void onDiskStateChange(DiskState state, WalIOException cause) {
                    states.add(state);
                }
            });
            for (int i = 0; i < 240; i++) {
                ledger.append(wal, "old" + (i % 3), 2000, i % 4 == 0);
            }
            wal.sync();
            // the old entries expire, and what follows goes to new segments of a new time slice
            clock.advance(Duration.ofHours(2));
            List<Long> old = List.copyOf(ledger.acknowledged().keySet());

            WalIOException full = ledger.fill(wal, "new", 3);
            assertThat(full.isDiskFull()).as("%s", full).isTrue();
            assertThat(wal.diskState()).isEqualTo(DiskState.DISK_FULL);
            long bytesWhenFull = bytesIn(walDir);
            for (boolean durable : new boolean[] {true, false}) {
                WalIOException refused = catchThrowableOfType(WalIOException.class,
                        () -> ledger.append(wal, "new0", 2000, durable));
                assertThat(refused.isDiskFull()).as("%s", refused).isTrue();
                assertThat(refused).hasMessageContaining("refused, nothing was written");
            }
            assertThat(bytesIn(walDir)).as("bytes in the WAL's files after refused appends").isEqualTo(bytesWhenFull);
            ledger.checkAll(wal, false);
            // a process crash now leaves what the files hold (not the write buffers): every durable entry is there
            try (Wal crashed = Wal.open(WalCopies.copy(walDir, elsewhere.resolve("crashed")), options())) {
                ledger.checkReadable(crashed, true);
            }

            long freeBefore = Files.getFileStore(walDir).getUsableSpace();
            CompactionResult compaction = wal.compact();
            ledger.mayHaveExpired(old);
            assertThat(compaction.segmentsDeleted()).as("segments compaction deleted on the full disk").isPositive();
            assertThat(Files.getFileStore(walDir).getUsableSpace()).isGreaterThan(freeBefore + 400_000);
            assertThat(wal.diskState()).isEqualTo(DiskState.WRITABLE);
            assertThat(states).containsExactly(DiskState.DISK_FULL, DiskState.WRITABLE);

            for (int i = 0; i < 30; i++) {
                ledger.append(wal, "new" + (i % 3), 2000, true);
            }
            ledger.checkAll(wal, false);
        }
        try (Wal wal = Wal.open(walDir, options())) {
            ledger.allAcknowledgedAreDurable();
            ledger.checkAll(wal, false);
            assertThat(wal.diskState()).isEqualTo(DiskState.WRITABLE);
        }
    }

    private static long bytesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            long total = 0;
            for (Path file : files.toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }
}
