package dev.nanowal;

import static dev.nanowal.RotationAndRetentionTest.contents;
import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.internal.format.Frames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchAndOptionsTest {

    @TempDir
    Path dir;

    @Test
    void aDurableBatchAcrossKeysIsOneJournalCommitAndNoSegmentFsync() {
        int[] fsyncs = durableBatchOfFiftyToTwoKeys(WalOptions.defaults());
        assertThat(fsyncs).as("journal commits, segment fsyncs").containsExactly(1, 0);
    }

    @Test
    void aDurableBatchWithoutTheJournalFsyncsEachTouchedFileOnce() {
        int[] fsyncs = durableBatchOfFiftyToTwoKeys(WalOptions.builder().journal(false).build());
        assertThat(fsyncs).as("journal commits, segment fsyncs").containsExactly(0, 2);
    }

    @Test
    void aBatchWithAnInvalidKeyWritesNothingToItsValidKeys() {
        try (Wal wal = Wal.open(dir)) {
            wal.appendEntry("known", null, bytes("before"), false);
            String unpaired = "bad\uD800";
            String tooLong = "k".repeat(Wal.MAX_KEY_BYTES + 1);
            for (String invalid : List.of(unpaired, tooLong)) {
                List<WalEntry> batch = List.of(WalEntry.of("known", bytes("1")), WalEntry.of("new", bytes("2")),
                        WalEntry.of(invalid, bytes("3")));
                assertThatThrownBy(() -> wal.appendBatch(batch, false))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
            }

            assertThat(contents(wal, "known")).containsExactly("before");
            assertThat(wal.enumerateKeys()).containsExactly("known");
        }
    }

    /** Appends a durable batch of 50 entries to keys a and b, checks it reads back; returns the fsyncs it took. */
    private int[] durableBatchOfFiftyToTwoKeys(WalOptions options) {
        try (Wal wal = Wal.open(dir, options)) {
            wal.logEntry("a", null, bytes("warm-up a"));
            wal.logEntry("b", null, bytes("warm-up b"));
            AtomicInteger syncs = new AtomicInteger();
            AtomicInteger commits = new AtomicInteger();
            wal.addListener(new WalListener() {
                @Override
                public void onSync(Duration duration, int waiters) {
                    syncs.incrementAndGet();
                }

                @Override
                public void onJournalCommit(Duration duration, int entries, int keys) {
                    commits.incrementAndGet();
                    assertThat(entries).isEqualTo(50);
                    assertThat(keys).isEqualTo(2);
                }
            });
            List<WalEntry> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(WalEntry.of(i % 2 == 0 ? "a" : "b", bytes("h" + i), bytes("v" + i)));
            }

            List<EntryRef> refs = wal.appendBatch(batch, true);
            int[] fsyncs = {commits.get(), syncs.get()};

            assertThat(refs).hasSize(50);
            for (int i = 0; i < 50; i++) {
                WalRecord record = wal.readRecordAt(refs.get(i));
                assertThat(record.content()).isEqualTo(bytes("v" + i));
                assertThat(record.header()).isEqualTo(bytes("h" + i));
            }
            assertThat(contents(wal, "a")).hasSize(26).startsWith("warm-up a", "v0", "v2");
            return fsyncs;
        }
    }

    @Test
    void aBatchToOneKeyAcrossRotationsReturnsItsRefsInOrderAndEndsAtItsNewestEntry() {
        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            wal.appendEntry("k", null, TestPayloads.content(-1, 100), false);
            List<WalEntry> batch = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                batch.add(WalEntry.of("k", TestPayloads.content(i, 100)));
            }
            List<EntryRef> refs = wal.appendBatch(batch, false);
            assertThat(refs).hasSize(200).doesNotContainNull().doesNotHaveDuplicates();
            for (int i = 0; i < refs.size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(refs.get(i)))).isEqualTo(i);
            }
            assertThat(wal.keyInfo("k").orElseThrow().segments()).as("segments after the batch").isGreaterThan(3);
            assertThat(wal.lastEntry("k")).contains(refs.get(199));
            assertThat(wal.stats().appends()).isEqualTo(201);
            assertThat(wal.keyInfo("k").orElseThrow().entries()).isEqualTo(201);
            assertThatThrownBy(() -> refs.set(0, refs.get(1))).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> refs.get(200)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(refs).allMatch(ref -> ref.keyHash() == EntryRef.hashOf("k")).isEqualTo(List.copyOf(refs))
                    .hasSameHashCodeAs(List.copyOf(refs));
        }
    }

    @Test
    void aBatchToOneKeyMixingHeadersAndRecordsLargerThanTheBufferReadsBackAfterReopening() {
        // 16 KiB segments: the batch's runs end at rotations, and the 70 KB entries, larger than the 64 KiB write
        // buffer, go around it
        WalOptions options = WalOptions.builder().maxSegmentSize(16 * 1024).build();
        List<WalEntry> batch = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < 300; i++) {
            byte[] content = TestPayloads.content(i, i % 50 == 7 ? 70_000 : 20 + i % 90);
            byte[] header = i % 3 == 0 ? null : bytes("h" + i);
            batch.add(WalEntry.of("k", header, content));
            bytes += content.length + (header == null ? 0 : header.length);
        }
        List<EntryRef> refs;
        try (Wal wal = Wal.open(dir, options)) {
            refs = wal.appendBatch(batch, false);
            assertThat(wal.stats().appends()).isEqualTo(300);
            assertThat(wal.stats().appendedBytes()).isEqualTo(bytes);
            assertThat(wal.lastEntry("k")).contains(refs.get(299));
            assertThat(wal.keyInfo("k").orElseThrow().segments()).as("segments").isGreaterThan(4);
        }
        try (Wal wal = Wal.open(dir, options)) {
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isZero();
            for (int i = 0; i < refs.size(); i++) {
                WalRecord record = wal.readRecordAt(refs.get(i));
                assertThat(TestPayloads.checkedId(record.content())).isEqualTo(i);
                assertThat(record.header()).isEqualTo(i % 3 == 0 ? new byte[0] : bytes("h" + i));
            }
            assertThat(wal.enumerateRecords("k").count()).isEqualTo(300);
        }
    }

    @Test
    void aBatchWithOneBadEntryWritesNothing() {
        try (Wal wal = Wal.open(dir)) {
            List<WalEntry> batch = List.of(WalEntry.of("a", bytes("ok")), WalEntry.of("b", new byte[70_000], bytes("x")));
            assertThatThrownBy(() -> wal.appendBatch(batch, true)).isInstanceOf(WalLimitExceededException.class);
            List<WalEntry> badKey = List.of(WalEntry.of("a", bytes("ok")), WalEntry.of("k".repeat(2000), bytes("x")));
            assertThatThrownBy(() -> wal.appendBatch(badKey, false)).isInstanceOf(IllegalArgumentException.class);
            assertThat(wal.enumerateKeys()).isEmpty();
        }
    }

    @Test
    void optionsHaveTheDocumentedDefaults() {
        WalOptions defaults = WalOptions.defaults();
        assertThat(defaults.entryRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(defaults.segmentsPerRetentionPeriod()).isEqualTo(10);
        assertThat(defaults.sliceDuration()).isEqualTo(Duration.ofHours(16).plusMinutes(48));
        assertThat(defaults.maxSegmentSize()).isEqualTo(64L * 1024 * 1024);
        assertThat(defaults.maxOpenFiles()).isEqualTo(1024);
        assertThat(defaults.writeBufferSize()).isEqualTo(64 * 1024);
        assertThat(defaults.repairCorruptTail()).isFalse();
    }

    @Test
    void invalidOptionsFailWhenBuiltNamingTheRange() {
        assertThatThrownBy(() -> WalOptions.builder().entryRetention(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("entryRetention must be positive, was PT0S");
        assertThatThrownBy(() -> WalOptions.builder().entryRetention(Duration.ofDays(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> WalOptions.builder().segmentsPerRetentionPeriod(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("segmentsPerRetentionPeriod must be between 1 and 100000, was 0");
        assertThatThrownBy(() -> WalOptions.builder().maxSegmentSize(100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 4096 and");
        assertThatThrownBy(() -> WalOptions.builder().maxOpenFiles(1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 4");
        assertThatThrownBy(() -> WalOptions.builder().writeBufferSize(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 0 and");
        assertThatThrownBy(() -> WalOptions.builder().entryRetention(Duration.ofMillis(5)).segmentsPerRetentionPeriod(10)
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 ms");
        assertThatThrownBy(() -> WalOptions.builder().clock(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void writeThroughModeHandsEveryAppendToTheOperatingSystem() {
        try (Wal wal = Wal.open(dir, WalOptions.builder().writeBufferSize(0).build())) {
            EntryRef small = wal.appendEntry("k", null, bytes("small"), false);
            EntryRef large = wal.appendEntry("k", null, new byte[200_000], false);
            assertThat(SegmentFiles.segments(dir)).singleElement()
                    .satisfies(file -> assertThat(file.toFile().length())
                            .isEqualTo(large.offset() + Frames.recordSize(0, 200_000)));
            assertThat(wal.readEntryAt(small)).isEqualTo(bytes("small"));
        }
    }
}
