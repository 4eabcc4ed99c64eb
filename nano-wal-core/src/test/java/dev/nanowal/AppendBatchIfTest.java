package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Conditional batches: one expected entry per key, all or nothing, decided under all the batch's keys' locks. */
class AppendBatchIfTest {

    private static final int THREADS = 16;
    private static final int ROUNDS = 100;

    @TempDir
    Path dir;

    private static Map<String, EntryRef> expecting(Wal wal, String... keys) {
        Map<String, EntryRef> expected = new HashMap<>();
        for (String key : keys) {
            expected.put(key, wal.lastEntry(key).orElse(null));
        }
        return expected;
    }

    /**
     * Each round 16 threads race to move from the same two last entries; half of them list the keys the other way
     * round, so locks taken in the batch's order would deadlock. Exactly one wins, and both its entries land.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void ofSixteenThreadsRacingWithTheSameExpectationsExactlyOneWinsEachRoundWithAllItsEntries() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try (Wal wal = Wal.open(dir)) {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<String> winners = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                Map<String, EntryRef> expected = expecting(wal, "from", "to");
                boolean durable = round % 10 == 0;
                List<Future<Boolean>> racers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    String mark = round + ":" + t;
                    List<WalEntry> batch = t % 2 == 0
                            ? List.of(WalEntry.of("from", bytes("-" + mark)), WalEntry.of("to", bytes("+" + mark)))
                            : List.of(WalEntry.of("to", bytes("+" + mark)), WalEntry.of("from", bytes("-" + mark)));
                    racers.add(threads.submit(() -> {
                        start.await();
                        try {
                            wal.appendBatchIf(expected, batch, durable);
                            return true;
                        } catch (WalConflictException e) {
                            return false;
                        }
                    }));
                }
                int won = 0;
                for (int t = 0; t < THREADS; t++) {
                    if (racers.get(t).get()) {
                        won++;
                        winners.add(round + ":" + t);
                    }
                }
                assertThat(won).as("winners of round %d", round).isEqualTo(1);
            }
            assertThat(wal.enumerateRecords("from").map(String::new).toList())
                    .isEqualTo(winners.stream().map(mark -> "-" + mark).toList());
            assertThat(wal.enumerateRecords("to").map(String::new).toList())
                    .isEqualTo(winners.stream().map(mark -> "+" + mark).toList());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aConflictOnOneKeyWritesNothingAndNamesThatKey() {
        try (Wal wal = Wal.open(dir)) {
            EntryRef a = wal.appendEntry("a", null, bytes("a1"), true);
            Map<String, EntryRef> stale = expecting(wal, "a", "b");
            wal.appendEntry("b", null, bytes("b1 from someone else"), true);
            EntryRef b = wal.lastEntry("b").orElseThrow();

            assertThatThrownBy(() -> wal.appendBatchIf(stale, List.of(WalEntry.of("a", bytes("a2")),
                    WalEntry.of("b", bytes("b2"))), true))
                    .isInstanceOf(WalConflictException.class).hasMessageContaining("Key 'b'")
                    .hasMessageContaining("Nothing of the batch was written")
                    .satisfies(e -> assertThat(((WalConflictException) e).actualLast()).contains(b));
            assertThat(wal.lastEntry("a")).contains(a);
            assertThat(wal.keyInfo("a").orElseThrow().entries()).isOne();
            assertThat(wal.stats().appends()).isEqualTo(2);
        }
    }

    @Test
    void aNullExpectationWantsAKeyWithoutEntriesAndTheBatchIsDurable() {
        List<EntryRef> refs;
        try (Wal wal = Wal.open(dir)) {
            Map<String, EntryRef> none = new HashMap<>();
            none.put("new", null);
            refs = wal.appendBatchIf(none, List.of(WalEntry.of("new", bytes("1")), WalEntry.of("new", bytes("2"))),
                    true);
            assertThat(refs).hasSize(2);
            assertThatThrownBy(() -> wal.appendBatchIf(none, List.of(WalEntry.of("new", bytes("3"))), false))
                    .isInstanceOf(WalConflictException.class);
            List<EntryRef> more = wal.appendBatchIf(Map.of("new", refs.get(1)), List.of(WalEntry.of("new",
                    bytes("3"))), false);
            assertThat(wal.lastEntry("new")).contains(more.get(0));
        }
        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.readEntryAt(refs.get(1))).isEqualTo(bytes("2"));
            assertThat(wal.enumerateRecords("new").map(String::new)).containsExactly("1", "2", "3");
        }
    }

    @Test
    void expectationsMustNameEveryKeyOfTheBatchAndNoOtherWithEntriesOfThatKey() {
        try (Wal wal = Wal.open(dir)) {
            EntryRef a = wal.appendEntry("a", null, bytes("a1"), false);
            List<WalEntry> batch = List.of(WalEntry.of("a", bytes("a2")), WalEntry.of("b", bytes("b1")));
            assertThatThrownBy(() -> wal.appendBatchIf(Map.of("a", a), batch, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no entry for key 'b'");
            Map<String, EntryRef> extra = new HashMap<>(Map.of("a", a));
            extra.put("b", null);
            extra.put("c", null);
            assertThatThrownBy(() -> wal.appendBatchIf(extra, batch, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key 'c'");
            Map<String, EntryRef> crossed = new HashMap<>(Map.of("b", a));
            crossed.put("a", a);
            assertThatThrownBy(() -> wal.appendBatchIf(crossed, batch, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another key");
            assertThat(wal.keyInfo("a").orElseThrow().entries()).isOne();
            assertThat(wal.lastEntry("b")).isEmpty();
        }
    }
}
