package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static dev.nanowal.ParkedThreads.FOREVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tailers woken by appends. A poll waits a whole day: when it returns with the entry, the append woke it (there is
 * no polling loop that could have found it instead). The JUnit timeouts only stop a hung build.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TailTest {

    private static final Duration RETENTION = Duration.ofHours(10);

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
    @RegisterExtension
    final ParkedThreads threads = new ParkedThreads();

    private WalOptions.Builder options() {
        return WalOptions.builder().entryRetention(RETENTION).segmentsPerRetentionPeriod(10).clock(clock);
    }

    @Test
    void returnsTheEntriesHeldThenBufferedAppendsAsSoonAsTheyAreAppended() {
        try (Wal wal = Wal.open(dir, options().build())) {
            EntryRef a = wal.appendEntry("k", bytes("h"), bytes("a"), true);
            wal.appendEntry("other", null, bytes("not mine"), false);
            try (WalTailer fromStart = wal.tail("k", null); WalTailer afterA = wal.tail("k", a)) {
                WalRecord first = fromStart.poll(Duration.ZERO).orElseThrow();
                assertThat(first.ref()).isEqualTo(a);
                assertThat(first.header()).isEqualTo(bytes("h"));
                assertThat(fromStart.poll(Duration.ZERO)).isEmpty();
                assertThat(afterA.poll(Duration.ZERO)).isEmpty();

                EntryRef b = wal.appendEntry("k", null, bytes("b"), false);
                assertThat(fromStart.poll(Duration.ZERO).map(WalRecord::ref)).contains(b);
                assertThat(afterA.poll(Duration.ZERO).map(WalRecord::ref)).contains(b);
                assertThat(fromStart.skipped()).isZero();
            }
        }
    }

    @Test
    void manyTailersAreWokenByAppendsFromOtherThreads() throws Exception {
        int entries = 2_000;
        try (Wal wal = Wal.open(dir, options().build())) {
            List<Future<List<String>>> tailers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                WalTailer tailer = wal.tail("k", null);
                tailers.add(threads.submit(() -> {
                    try (tailer) {
                        List<String> seen = new ArrayList<>();
                        while (seen.size() < entries) {
                            seen.add(new String(tailer.poll(FOREVER).orElseThrow().content()));
                        }
                        return seen;
                    }
                }));
            }
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                writers.add(threads.submit(() -> {
                    for (int i = 0; i < entries / 2; i++) {
                        wal.appendEntry("k", null, bytes(writer + ":" + i), i % 50 == 0);
                    }
                }));
            }
            for (Future<?> writer : writers) {
                writer.get();
            }
            List<String> appended = wal.enumerateRecords("k").map(String::new).toList();
            for (Future<List<String>> tailer : tailers) {
                assertThat(tailer.get()).isEqualTo(appended);
            }
        }
    }

    @Test
    void followsTheKeyAcrossRotationAndRestartsAfterAnEntry() throws Exception {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, options().maxSegmentSize(4096).build());
                WalTailer tailer = wal.tail("k", null)) {
            Future<List<EntryRef>> seen = threads.submit(() -> {
                List<EntryRef> got = new ArrayList<>();
                while (got.size() < 300) {
                    got.add(tailer.poll(FOREVER).orElseThrow().ref());
                }
                return got;
            });
            for (int i = 0; i < 300; i++) {
                refs.add(wal.appendEntry("k", null, new byte[100], false));
            }
            assertThat(seen.get()).isEqualTo(refs);
            assertThat(wal.keyInfo("k").orElseThrow().segments()).isGreaterThan(5);
            assertThat(tailer.skipped()).isZero();
        }
        try (Wal wal = Wal.open(dir, options().maxSegmentSize(4096).build());
                WalTailer tailer = wal.tail("k", refs.get(99))) {
            for (int i = 100; i < 300; i++) {
                assertThat(tailer.poll(Duration.ZERO).orElseThrow().ref()).isEqualTo(refs.get(i));
            }
            assertThat(tailer.poll(Duration.ZERO)).isEmpty();
            assertThat(tailer.skipped()).isZero();
        }
    }

    @Test
    void entriesCompactedBeforeTheTailerReadThemAreSkippedAndCounted() {
        try (Wal wal = Wal.open(dir, options().build()); WalTailer tailer = wal.tail("k", null)) {
            wal.appendEntry("k", null, bytes("old 1"), false);
            assertThat(tailer.poll(Duration.ZERO).map(r -> new String(r.content()))).contains("old 1");
            assertThat(tailer.poll(Duration.ZERO)).isEmpty();
            wal.appendEntry("k", null, bytes("old 2"), false);
            clock.advance(RETENTION.plusHours(1));
            wal.appendEntry("k", null, bytes("new"), false);
            assertThat(wal.compact().segmentsDeleted()).isEqualTo(1);

            assertThat(tailer.poll(Duration.ZERO).map(r -> new String(r.content()))).contains("new");
            assertThat(tailer.skipped()).isEqualTo(1);
        }
    }

    @Test
    void aTailerThatReadEverythingMissesNothingWhenCompactionEmptiesTheKey() throws Exception {
        try (Wal wal = Wal.open(dir, options().build()); WalTailer tailer = wal.tail("k", null)) {
            wal.appendEntry("k", null, bytes("old"), true);
            assertThat(tailer.poll(Duration.ZERO)).isPresent();
            clock.advance(RETENTION.plusHours(1));
            assertThat(wal.compact().segmentsDeleted()).isEqualTo(1);
            assertThat(wal.keyInfo("k")).isEmpty();

            Future<WalRecord> next = threads.submit(() -> tailer.poll(FOREVER).orElseThrow());
            wal.appendEntry("k", null, bytes("after"), false);
            assertThat(next.get().content()).isEqualTo(bytes("after"));
            assertThat(tailer.skipped()).isZero();
        }
    }

    @Test
    void closingTheWalEndsAWaitingPoll() throws Exception {
        Wal wal = Wal.open(dir, options().build());
        WalTailer tailer = wal.tail("k", null);
        Future<?> poll = threads.parked(() -> tailer.poll(FOREVER));
        wal.close();

        assertThatThrownBy(poll::get).cause().isInstanceOf(WalClosedException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> tailer.poll(Duration.ZERO)).isInstanceOf(WalClosedException.class);
        assertThatThrownBy(() -> wal.tail("k", null)).isInstanceOf(WalClosedException.class);
    }

    @Test
    void closingTheTailerEndsItsWaitingPoll() throws Exception {
        try (Wal wal = Wal.open(dir, options().build())) {
            WalTailer tailer = wal.tail("k", null);
            Future<?> poll = threads.parked(() -> tailer.poll(FOREVER));
            tailer.close();
            tailer.close();

            assertThatThrownBy(poll::get).cause().isInstanceOf(WalClosedException.class)
                    .hasMessageContaining("tailer is closed");
            wal.appendEntry("k", null, bytes("still works"), true);
        }
    }

    @Test
    void anInterruptEndsTheWaitWithTheStatusKept() throws Exception {
        try (Wal wal = Wal.open(dir, options().build()); WalTailer tailer = wal.tail("k", null)) {
            AtomicReference<Thread> poller = new AtomicReference<>();
            Future<Boolean> poll = threads.parked(poller,
                    () -> tailer.poll(FOREVER).isEmpty() && Thread.currentThread().isInterrupted());
            poller.get().interrupt();
            assertThat(poll.get()).isTrue();
            EntryRef ref = wal.appendEntry("k", null, bytes("x"), true);
            assertThat(tailer.poll(Duration.ZERO).map(WalRecord::ref)).contains(ref);
        }
    }

    @Test
    void aStartOfAnotherKeyOrNoEntryIsRefused() {
        try (Wal wal = Wal.open(dir, options().build())) {
            EntryRef other = wal.appendEntry("other", null, bytes("o"), true);
            EntryRef mine = wal.appendEntry("k", null, bytes("m"), true);
            assertThatThrownBy(() -> wal.tail("k", other)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("another key");
            assertThatThrownBy(() -> wal.tail("k", new EntryRef(mine.keyHash(), mine.sequenceNumber(), mine.offset() + 8)))
                    .isInstanceOf(WalEntryNotFoundException.class);
            assertThatThrownBy(() -> wal.tail(null, null)).isInstanceOf(NullPointerException.class);
        }
    }
}
