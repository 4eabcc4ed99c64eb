package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppendIfTest {

    private static final int THREADS = 16;
    private static final int ROUNDS = 150;

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");

    private WalOptions.Builder options() {
        return WalOptions.builder().entryRetention(Duration.ofHours(10)).segmentsPerRetentionPeriod(10).clock(clock);
    }

    @Test
    void nullExpectsAnEmptyKeyAndTheLastEntryExpectsItself() {
        try (Wal wal = Wal.open(dir, options().build())) {
            assertThat(wal.lastEntry("k")).isEmpty();
            EntryRef first = wal.appendEntryIf("k", null, null, bytes("a"), true);
            assertThat(wal.lastEntry("k")).contains(first);

            assertThatThrownBy(() -> wal.appendEntryIf("k", null, null, bytes("x"), true))
                    .isInstanceOfSatisfying(WalConflictException.class, e -> assertThat(e.actualLast()).contains(first))
                    .hasMessageContaining("not at the expected no entry");
            EntryRef second = wal.appendEntryIf("k", first, null, bytes("b"), false);
            assertThatThrownBy(() -> wal.appendEntryIf("k", first, null, bytes("x"), false))
                    .isInstanceOfSatisfying(WalConflictException.class,
                            e -> assertThat(e.actualLast()).contains(second));

            assertThat(wal.enumerateRecords("k").map(String::new)).containsExactly("a", "b");
            assertThat(wal.lastEntry("k")).contains(second);
        }
    }

    @Test
    void theLastEntryIsFoundAgainAfterARestart() {
        EntryRef last;
        try (Wal wal = Wal.open(dir, options().maxSegmentSize(4096).build())) {
            for (int i = 0; i < 100; i++) {
                wal.appendEntry("k", null, new byte[100], false);
            }
            last = wal.appendEntry("k", null, bytes("last"), true);
        }
        try (Wal wal = Wal.open(dir, options().maxSegmentSize(4096).build())) {
            assertThat(wal.lastEntry("k")).contains(last);
            assertThatThrownBy(() -> wal.appendEntryIf("k", null, null, bytes("x"), true))
                    .isInstanceOf(WalConflictException.class);
            EntryRef next = wal.appendEntryIf("k", last, null, bytes("next"), true);
            assertThat(wal.readEntryAt(next)).isEqualTo(bytes("next"));
        }
    }

    @Test
    void aKeyWhoseEntriesAllExpiredHoldsNoEntry() {
        try (Wal wal = Wal.open(dir, options().build())) {
            EntryRef old = wal.appendEntry("k", null, bytes("old"), true);
            clock.advance(Duration.ofHours(11));
            assertThat(wal.compact().segmentsDeleted()).isEqualTo(1);

            assertThat(wal.lastEntry("k")).isEmpty();
            assertThatThrownBy(() -> wal.appendEntryIf("k", old, null, bytes("x"), true))
                    .isInstanceOfSatisfying(WalConflictException.class, e -> assertThat(e.actualLast()).isEmpty());
            EntryRef fresh = wal.appendEntryIf("k", null, null, bytes("fresh"), true);
            assertThat(wal.lastEntry("k")).contains(fresh);
        }
    }

    @Test
    void anExpectedEntryOfAnotherKeyIsRefusedAndNothingIsWritten() {
        try (Wal wal = Wal.open(dir, options().build())) {
            EntryRef other = wal.appendEntry("other", null, bytes("o"), true);
            EntryRef mine = wal.appendEntry("k", null, bytes("m"), true);
            EntryRef forged = new EntryRef(other.keyHash(), mine.sequenceNumber(), mine.offset());

            assertThatThrownBy(() -> wal.appendEntryIf("k", forged, null, bytes("x"), true))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("another key").hasMessageContaining("'k'");
            assertThatThrownBy(() -> wal.appendEntryIf("k", mine, new byte[Wal.MAX_HEADER_SIZE + 1], bytes("x"), true))
                    .isInstanceOf(WalLimitExceededException.class);
            assertThat(wal.enumerateRecords("k").count()).isEqualTo(1);
            assertThat(wal.lastEntry("k")).contains(mine);
        }
    }

    /** Of 16 threads appending with the same expected entry, exactly one wins, round after round. */
    @ParameterizedTest(name = "journal {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void exactlyOneOfSixteenRacingThreadsWinsEachRound(boolean journal) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try (Wal wal = Wal.open(dir, options().journal(journal).maxSegmentSize(4096).build())) {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<EntryRef> winners = new ArrayList<>();
            EntryRef expected = null;
            for (int round = 0; round < ROUNDS; round++) {
                EntryRef seen = expected;
                boolean durable = round % 2 == 0;
                List<Future<EntryRef>> attempts = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    byte[] content = bytes(round + "/" + t);
                    attempts.add(threads.submit(() -> {
                        start.await();
                        try {
                            return wal.appendEntryIf("account", seen, null, content, durable);
                        } catch (WalConflictException e) {
                            assertThat(e.actualLast()).isPresent().get().isNotEqualTo(seen);
                            return null;
                        }
                    }));
                }
                List<EntryRef> won = new ArrayList<>();
                for (Future<EntryRef> attempt : attempts) {
                    EntryRef ref = attempt.get();
                    if (ref != null) {
                        won.add(ref);
                    }
                }
                assertThat(won).as("winners of round %d", round).hasSize(1);
                winners.add(won.get(0));
                expected = won.get(0);
                assertThat(wal.lastEntry("account")).contains(expected);
            }
            try (var records = wal.enumerateEntries("account")) {
                assertThat(records.map(WalRecord::ref).toList()).isEqualTo(winners);
            }
            assertThat(wal.keyInfo("account").orElseThrow().segments()).isGreaterThan(1);
        } finally {
            threads.shutdownNow();
        }
    }
}
