package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A caller whose interrupt status is set (a cancelled task, an executor shutting down) still appends, syncs and
 * reads, keeps its interrupt status, and does not close the segment's file for the other threads: a
 * {@code FileChannel} used by an interrupted thread closes itself ({@code ClosedByInterruptException}).
 */
class InterruptedCallerTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void anInterruptedCallerOpensAppendsSyncsAndReadsWithoutBreakingTheSegmentForOthers() {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            refs.add(wal.appendEntry("k", null, bytes("before"), true));

            Thread.currentThread().interrupt();
            // durable appends (fsync), buffered ones, rotations (seal, new segment file) and a sync, interrupted
            for (int i = 0; i < 100; i++) {
                refs.add(wal.appendEntry("k", null, bytes("interrupted " + i), i % 2 == 0));
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            }
            wal.sync();
            assertThat(wal.readEntryAt(refs.get(0))).isEqualTo(bytes("before"));
            try (Stream<byte[]> records = wal.enumerateRecords("k")) {
                assertThat(records).hasSize(101);
            }
            assertThat(Thread.interrupted()).isTrue();

            refs.add(wal.appendEntry("k", null, bytes("after"), true));
            assertThat(wal.lastWriteFailure()).isEmpty();
            assertThat(wal.stats().writeFailures()).isZero();
        }
        Thread.currentThread().interrupt();
        try (Wal reopened = Wal.open(dir)) {
            assertThat(Thread.interrupted()).as("interrupt kept through the open").isTrue();
            assertThat(reopened.appendEntry("k", null, bytes("reopened"), true)).isNotNull();
            assertThat(RotationAndRetentionTest.contents(reopened, "k")).hasSize(103).startsWith("before")
                    .endsWith("after", "reopened");
            for (int i = 0; i < refs.size(); i++) {
                assertThat(reopened.readEntryAt(refs.get(i))).isNotEmpty();
            }
            Thread.currentThread().interrupt();
            reopened.close();
            assertThat(Thread.interrupted()).as("interrupt kept through the close").isTrue();
        }
        try (Wal again = Wal.open(dir)) {
            assertThat(RotationAndRetentionTest.contents(again, "k")).hasSize(103);
        }
    }

    @Test
    void anInterruptedCompactionDeletesWhatExpiredAndKeepsTheInterrupt() {
        MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
        WalOptions options = WalOptions.builder().clock(clock).entryRetention(Duration.ofHours(1))
                .maxSegmentSize(4096).build();
        try (Wal wal = Wal.open(dir, options)) {
            for (int i = 0; i < 20; i++) {
                wal.appendEntry("old", null, new byte[500], true);
            }
            clock.advance(Duration.ofHours(3));
            wal.appendEntry("new", null, bytes("kept"), true);

            Thread.currentThread().interrupt();
            CompactionResult result = wal.compact();

            assertThat(Thread.interrupted()).isTrue();
            assertThat(result.segmentsDeleted()).isGreaterThan(1);
            assertThat(wal.enumerateKeys()).containsExactly("new");
        }
        try (Wal reopened = Wal.open(dir, options)) {
            assertThat(reopened.enumerateKeys()).containsExactly("new");
        }
    }
}
