package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CursorTest {

    private static final Duration RETENTION = Duration.ofHours(10);

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private WalOptions options() {
        return WalOptions.builder().entryRetention(RETENTION).segmentsPerRetentionPeriod(10).clock(clock).build();
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private static List<String> contents(List<WalRecord> records) {
        return records.stream().map(r -> new String(r.content())).toList();
    }

    @Test
    void pollsFromTheCommittedPositionAndKeepsItAcrossRestarts() {
        EntryRef b;
        try (Wal wal = Wal.open(dir, options())) {
            wal.appendEntry("orders", null, bytes("a"), true);
            b = wal.appendEntry("orders", null, bytes("b"), true);
            wal.appendEntry("orders", null, bytes("c"), true);
            WalCursor cursor = wal.cursor("billing", "orders");
            assertThat(cursor.position()).isEmpty();
            assertThat(wal.cursor("billing", "orders")).isSameAs(cursor);

            assertThat(contents(cursor.poll(2, Duration.ZERO))).containsExactly("a", "b");
            assertThat(contents(cursor.poll(10, Duration.ZERO))).as("no commit, no move").containsExactly("a", "b", "c");
            cursor.commit(b);
            assertThat(cursor.position()).contains(b);
            assertThat(contents(cursor.poll(10, Duration.ZERO))).containsExactly("c");
            assertThat(wal.cursors()).containsExactly(new CursorInfo("billing", "orders", b, 1, 0));
        }
        try (Wal wal = Wal.open(dir, options())) {
            assertThat(wal.cursors()).containsExactly(new CursorInfo("billing", "orders", b, 1, 0));
            WalCursor cursor = wal.cursor("billing", "orders");
            assertThat(cursor.position()).contains(b);
            List<WalRecord> rest = cursor.poll(10, Duration.ZERO);
            assertThat(contents(rest)).containsExactly("c");
            cursor.commit(rest.get(0).ref());
            assertThat(wal.cursors().get(0).entriesBehind()).isZero();
            assertThat(wal.cursor("audit", "orders").poll(10, Duration.ZERO)).hasSize(3);
        }
    }

    @Test
    void aPollWaitsForTheNextAppend() throws Exception {
        try (Wal wal = Wal.open(dir, options())) {
            WalCursor cursor = wal.cursor("c", "k");
            Future<List<WalRecord>> poll = threads.submit(() -> cursor.poll(5, Duration.ofDays(1)));
            EntryRef ref = wal.appendEntry("k", null, bytes("x"), false);
            assertThat(poll.get()).extracting(WalRecord::ref).containsExactly(ref);
        }
    }

    @Test
    void aPositionCompactedAwayResumesAtTheOldestEntryHeldAndIsCounted() {
        try (Wal wal = Wal.open(dir, options())) {
            EntryRef old = wal.appendEntry("k", null, bytes("old"), true);
            wal.appendEntry("k", null, bytes("unread"), true);
            WalCursor cursor = wal.cursor("c", "k");
            cursor.commit(old);
            clock.advance(RETENTION.plusHours(1));
            wal.appendEntry("k", null, bytes("new"), true);
            assertThat(wal.compact().segmentsDeleted()).isEqualTo(1);

            assertThat(contents(cursor.poll(10, Duration.ZERO))).containsExactly("new");
            assertThat(contents(cursor.poll(10, Duration.ZERO))).containsExactly("new");
            assertThat(cursor.skipped()).isEqualTo(1);
            assertThat(cursor.position()).contains(old);
            assertThat(wal.cursors()).containsExactly(new CursorInfo("c", "k", old, 1, 1));
        }
        try (Wal wal = Wal.open(dir, options())) {
            WalCursor cursor = wal.cursor("c", "k");
            assertThat(contents(cursor.poll(10, Duration.ZERO))).containsExactly("new");
            assertThat(cursor.skipped()).as("the segment went before this open: not disprovable").isEqualTo(1);
        }
    }

    @Test
    void theRetentionGuardKeepsWhatACursorHasNotCommittedPast() {
        try (Wal wal = Wal.open(dir, options())) {
            wal.addCompactionGuard(wal.cursorRetentionGuard());
            EntryRef first = wal.appendEntry("k", null, bytes("first"), true);
            WalCursor cursor = wal.cursor("c", "k");
            clock.advance(RETENTION.plusHours(1));
            EntryRef second = wal.appendEntry("k", null, bytes("second"), true);
            wal.appendEntry("other", null, bytes("no cursor"), true);
            clock.advance(RETENTION.plusHours(1));

            assertThat(wal.compact().segmentsDeleted()).as("only the key without a cursor").isEqualTo(1);
            cursor.commit(first);
            assertThat(wal.compact().segmentsDeleted()).as("the cursor is still in the first segment").isZero();
            cursor.commit(second);
            assertThat(wal.compact().segmentsDeleted()).as("past the first segment, not the second").isEqualTo(1);
            assertThat(contents(cursor.poll(10, Duration.ZERO))).isEmpty();
            assertThat(cursor.skipped()).isZero();
        }
    }

    @Test
    void badNamesPositionsAndFilesAreRefusedClearly() throws IOException {
        try (Wal wal = Wal.open(dir, options())) {
            EntryRef other = wal.appendEntry("other", null, bytes("o"), true);
            EntryRef mine = wal.appendEntry("k", null, bytes("m"), true);
            assertThatThrownBy(() -> wal.cursor("x".repeat(65), "k")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1 to 64 characters").hasMessageContaining("is 65");
            assertThatThrownBy(() -> wal.cursor("", "k")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wal.cursor("a/b", "k")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'/'");
            WalCursor cursor = wal.cursor("x".repeat(64), "k");
            assertThatThrownBy(() -> cursor.commit(other)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("another key");
            assertThatThrownBy(() -> cursor.commit(new EntryRef(mine.keyHash(), mine.sequenceNumber(), mine.offset() + 8)))
                    .isInstanceOf(WalEntryNotFoundException.class);
            assertThatThrownBy(() -> cursor.poll(0, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            assertThat(cursor.position()).isEmpty();
            wal.cursor("damaged", "k").commit(mine);
        }
        Path file;
        try (Stream<Path> files = Files.list(dir)) {
            file = files.filter(f -> f.getFileName().toString().startsWith("nanowal-cursor-damaged-")).findFirst()
                    .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[30] ^= 1;
        Files.write(file, bytes);
        try (Wal wal = Wal.open(dir, options())) {
            assertThatThrownBy(() -> wal.cursor("damaged", "k")).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining(file.getFileName().toString()).hasMessageContaining("delete it");
            assertThat(wal.cursors()).isEmpty();
        }
    }

    @Test
    void closingTheWalEndsAWaitingPollAndRefusesCommits() throws Exception {
        Wal wal = Wal.open(dir, options());
        EntryRef ref = wal.appendEntry("k", null, bytes("x"), true);
        WalCursor cursor = wal.cursor("c", "k");
        cursor.commit(ref);
        Future<List<WalRecord>> poll = threads.submit(() -> cursor.poll(1, Duration.ofDays(1)));
        wal.close();
        assertThatThrownBy(poll::get).cause().isInstanceOf(WalClosedException.class);
        assertThatThrownBy(() -> cursor.commit(ref)).isInstanceOf(WalClosedException.class);
    }

    @Test
    void shutdownDeletesTheCursorFiles() throws IOException {
        Wal wal = Wal.open(dir, options());
        wal.cursor("c", "k").commit(wal.appendEntry("k", null, bytes("x"), true));
        wal.shutdown();
        assertThat(Files.exists(dir)).isFalse();
    }
}
