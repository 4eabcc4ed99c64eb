package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotationAndRetentionTest {

    private static final Duration RETENTION = Duration.ofHours(10);
    private static final Duration SLICE = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");

    private WalOptions.Builder options() {
        return WalOptions.builder().entryRetention(RETENTION).segmentsPerRetentionPeriod(10).clock(clock);
    }

    @Test
    void rotatesWhenTheTimeSliceEnds() {
        try (Wal wal = Wal.open(dir, options().build())) {
            EntryRef first = wal.appendEntry("k", null, bytes("a"), false);
            clock.advance(SLICE.minusMillis(1));
            EntryRef sameSlice = wal.appendEntry("k", null, bytes("b"), false);
            clock.advance(Duration.ofMillis(1));
            EntryRef nextSlice = wal.appendEntry("k", null, bytes("c"), false);

            assertThat(sameSlice.sequenceNumber()).isEqualTo(first.sequenceNumber());
            assertThat(nextSlice.sequenceNumber()).isGreaterThan(first.sequenceNumber());
            assertThat(wal.keyInfo("k").orElseThrow().segments()).isEqualTo(2);
            assertThat(contents(wal, "k")).containsExactly("a", "b", "c");
        }
    }

    @Test
    void rotatesAtTheMaximumSegmentSize() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, options().maxSegmentSize(4096).build())) {
            for (int i = 0; i < 200; i++) {
                refs.add(wal.appendEntry("k", null, new byte[100], false));
            }
            EntryRef huge = wal.appendEntry("k", null, new byte[10_000], false);
            EntryRef after = wal.appendEntry("k", null, bytes("after"), false);
            assertThat(huge.sequenceNumber()).isNotEqualTo(after.sequenceNumber());
            assertThat(wal.readEntryAt(huge)).hasSize(10_000);
            assertThat(refs.stream().map(EntryRef::sequenceNumber).distinct().count()).isGreaterThan(5);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> segments = files.filter(f -> f.toString().endsWith(".log")).toList();
            for (Path segment : segments) {
                long size = Files.size(segment);
                assertThat(size <= 4096 || size > 10_000).as("size of %s", segment).isTrue();
            }
        }
        try (Wal wal = Wal.open(dir, options().maxSegmentSize(4096).build())) {
            assertThat(wal.enumerateRecords("k").count()).isEqualTo(202);
            for (EntryRef ref : refs) {
                assertThat(wal.readEntryAt(ref)).hasSize(100);
            }
        }
    }

    @Test
    void noEntryIsDeletedBeforeItsRetentionAndEveryOneWithinOneMoreSlice() {
        Map<EntryRef, Long> writtenAt = new LinkedHashMap<>();
        try (Wal wal = Wal.open(dir, options().build())) {
            long start = clock.millis();
            for (int step = 0; step < 40 * 6; step++) {
                if (step < 20 * 6) {
                    writtenAt.put(wal.appendEntry("k" + (step % 3), null, bytes("e" + step), step % 2 == 0),
                            clock.millis());
                }
                clock.advance(Duration.ofMinutes(10));
                wal.compact();
                long now = clock.millis();
                for (Map.Entry<EntryRef, Long> entry : writtenAt.entrySet()) {
                    long age = now - entry.getValue();
                    if (age < RETENTION.toMillis()) {
                        assertThat(wal.readEntryAt(entry.getKey())).as("entry aged %d ms", age).isNotNull();
                    } else if (age >= RETENTION.plus(SLICE).toMillis()) {
                        assertThatThrownBy(() -> wal.readEntryAt(entry.getKey()))
                                .as("entry aged %d ms", age).isInstanceOf(WalEntryNotFoundException.class);
                    }
                }
            }
            assertThat(clock.millis() - start).isGreaterThan(RETENTION.plus(SLICE).toMillis() * 3);
            assertThat(wal.enumerateKeys()).isEmpty();
            assertThat(wal.stats().segments()).isZero();
        }
    }

    @Test
    void aQuietKeyLosesItsExpiredActiveSegmentAndNeverReusesItsSequence() {
        EntryRef old;
        try (Wal wal = Wal.open(dir, options().build())) {
            old = wal.appendEntry("quiet", null, bytes("old"), true);
            wal.appendEntry("busy", null, bytes("x"), true);
            clock.advance(RETENTION.minusMillis(1));
            assertThat(wal.compact().segmentsDeleted()).isZero();
            wal.appendEntry("busy", null, bytes("y"), true);
            clock.advance(Duration.ofMillis(1));

            CompactionResult result = wal.compact();

            assertThat(result.deletedSegments()).extracting(CompactionResult.DeletedSegment::key)
                    .containsExactlyInAnyOrder("quiet", "busy");
            assertThat(result.bytesDeleted()).isPositive();
            assertThat(wal.lastCompaction()).contains(result);
            assertThat(wal.enumerateKeys()).containsExactly("busy");
            assertThatThrownBy(() -> wal.readEntryAt(old)).isInstanceOf(WalEntryNotFoundException.class);
            EntryRef fresh = wal.appendEntry("quiet", null, bytes("new"), true);
            assertThat(fresh.sequenceNumber()).isGreaterThan(old.sequenceNumber());
        }
        try (Wal wal = Wal.open(dir, options().build())) {
            assertThatThrownBy(() -> wal.readEntryAt(old)).isInstanceOf(WalEntryNotFoundException.class);
            assertThat(contents(wal, "quiet")).containsExactly("new");
        }
    }

    @Test
    void appendCountsKeepTheEntriesOfKeysThatCompactionRemoved() {
        try (Wal wal = Wal.open(dir, options().build())) {
            wal.appendEntry("gone", bytes("h"), bytes("abc"), false);
            wal.appendEntry("gone", null, bytes("de"), true);
            clock.advance(RETENTION.minusHours(1));
            wal.appendEntry("kept", null, bytes("f"), false);
            clock.advance(Duration.ofHours(1));
            assertThat(wal.compact().deletedSegments()).extracting(CompactionResult.DeletedSegment::key)
                    .containsExactly("gone");
            assertThat(wal.enumerateKeys()).containsExactly("kept");

            WalStats afterCompaction = wal.stats();
            assertThat(afterCompaction.appends()).isEqualTo(3);
            assertThat(afterCompaction.appendedBytes()).isEqualTo(1 + 3 + 2 + 1);
            assertThat(afterCompaction.durableAppends()).isEqualTo(1);
            assertThat(afterCompaction.durableAppendedBytes()).isEqualTo(2);

            wal.appendEntry("gone", null, bytes("ghij"), false);
            assertThat(wal.stats().appends()).isEqualTo(4);
            assertThat(wal.stats().appendedBytes()).isEqualTo(11);
        }
    }

    @Test
    void sequencesAreNotReusedAfterAKeyIsFullyCompactedAndTheWalReopened() {
        EntryRef old;
        try (Wal wal = Wal.open(dir, options().build())) {
            old = wal.appendEntry("only", null, bytes("old"), true);
            clock.advance(RETENTION);
            assertThat(wal.compact().segmentsDeleted()).isEqualTo(1);
        }
        try (Wal wal = Wal.open(dir, options().build())) {
            EntryRef fresh = wal.appendEntry("only", null, bytes("new"), true);
            assertThat(fresh.sequenceNumber()).isGreaterThan(old.sequenceNumber());
            assertThatThrownBy(() -> wal.readEntryAt(old)).isInstanceOf(WalEntryNotFoundException.class);
        }
    }

    @Test
    void enumerationAfterACompactedCheckpointStartsAtTheOldestEntryLeft() {
        try (Wal wal = Wal.open(dir, options().build())) {
            EntryRef checkpoint = wal.appendEntry("t", null, bytes("gone"), false);
            clock.advance(RETENTION);
            wal.appendEntry("t", null, bytes("kept"), false);
            wal.compact();
            try (Stream<WalRecord> after = wal.enumerateEntriesAfter(checkpoint)) {
                assertThat(after.map(r -> new String(r.content()))).containsExactly("kept");
            }
        }
    }

    @Test
    void aCompactionGuardKeepsExpiredSegmentsUntilItLetsGo() {
        try (Wal wal = Wal.open(dir, options().build())) {
            EntryRef old = wal.appendEntry("relay", null, bytes("not forwarded yet"), true);
            clock.advance(SLICE);
            EntryRef newer = wal.appendEntry("relay", null, bytes("newer"), true);
            wal.appendEntry("other", null, bytes("x"), true);
            java.util.Set<Long> forwarded = new java.util.HashSet<>();
            Runnable remove = wal.addCompactionGuard((key, sequence, newest) -> !key.equals("relay")
                    || forwarded.contains(sequence));
            clock.advance(RETENTION.plus(SLICE));

            assertThat(wal.compact().deletedSegments()).extracting(CompactionResult.DeletedSegment::key)
                    .containsExactly("other");
            assertThat(wal.readEntryAt(old)).isEqualTo(bytes("not forwarded yet"));

            forwarded.add(old.sequenceNumber());
            assertThat(wal.compact().deletedSegments()).extracting(CompactionResult.DeletedSegment::sequenceNumber)
                    .containsExactly(old.sequenceNumber());
            assertThat(wal.readEntryAt(newer)).isEqualTo(bytes("newer"));

            remove.run();
            assertThat(wal.compact().segmentsDeleted()).isEqualTo(1);
            assertThat(wal.enumerateKeys()).isEmpty();
        }
    }

    static List<String> contents(Wal wal, String key) {
        try (Stream<byte[]> records = wal.enumerateRecords(key)) {
            return records.map(String::new).toList();
        }
    }
}
