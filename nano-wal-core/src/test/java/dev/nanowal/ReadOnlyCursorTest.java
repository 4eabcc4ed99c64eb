package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static dev.nanowal.ParkedThreads.FOREVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The cursors of a read-only view: read from the writer's cursor files, never written. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReadOnlyCursorTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final ParkedThreads threads = new ParkedThreads();

    private static List<EntryRef> append(Wal wal, String key, int count) {
        List<EntryRef> refs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // 200 bytes: a few dozen make a 4 KiB segment rotate
            refs.add(wal.appendEntry(key, null, bytes(key + i + "-".repeat(200)), true));
        }
        return refs;
    }

    @Test
    void aViewListsTheCursorsTheWriterCommittedWithTheEntriesBehindThem() {
        try (Wal writer = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            List<EntryRef> orders = append(writer, "orders", 60);
            List<EntryRef> bin = append(writer, "bin", 3);
            writer.cursor("billing", "orders").commit(orders.get(9));
            writer.cursor("audit", "bin").commit(bin.get(2));
            writer.cursor("idle", "orders");
            assertThat(writer.keyInfo("orders").orElseThrow().segments()).as("the position is not in the last segment")
                    .isGreaterThan(2);

            try (Wal view = Wal.openReadOnly(dir)) {
                assertThat(view.cursors()).containsExactly(new CursorInfo("audit", "bin", bin.get(2), 0, 0),
                        new CursorInfo("billing", "orders", orders.get(9), 50, 0));

                writer.cursor("billing", "orders").commit(orders.get(58));
                assertThat(view.cursors()).extracting(CursorInfo::position, CursorInfo::entriesBehind)
                        .containsExactly(tuple(bin.get(2), 0L), tuple(orders.get(58), 1L));
            }
        }
    }

    @Test
    void aViewsCursorFollowsTheWritersCommitsPollsAndRefusesToCommit() throws Exception {
        try (Wal writer = Wal.open(dir)) {
            List<EntryRef> refs = append(writer, "k", 5);
            WalCursor writers = writer.cursor("c", "k");
            writers.commit(refs.get(1));
            try (Wal view = Wal.openReadOnly(dir)) {
                Set<String> files = fileNames();
                WalCursor cursor = view.cursor("c", "k");
                assertThat(view.cursor("c", "k")).isSameAs(cursor);
                assertThat(cursor.name()).isEqualTo("c");
                assertThat(cursor.key()).isEqualTo("k");
                assertThat(cursor.position()).contains(refs.get(1));
                assertThat(cursor.poll(2, Duration.ZERO)).extracting(WalRecord::ref)
                        .containsExactly(refs.get(2), refs.get(3));

                writers.commit(refs.get(3));
                assertThat(cursor.position()).contains(refs.get(3));
                assertThat(cursor.poll(10, Duration.ZERO)).extracting(WalRecord::ref).containsExactly(refs.get(4));

                assertThatThrownBy(() -> cursor.commit(refs.get(4))).isInstanceOf(WalReadOnlyException.class)
                        .hasMessageContaining("commit of cursor 'c'");
                assertThat(writers.position()).contains(refs.get(3));
                assertThat(view.cursor("never", "k").position()).isEmpty();
                assertThat(fileNames()).as("the view wrote nothing").isEqualTo(files);

                writers.commit(refs.get(4));
                Future<List<WalRecord>> waiting = threads.parked(() -> cursor.poll(10, FOREVER));
                assertThat(waiting).as("nothing after the position yet").isNotDone();
                EntryRef next = writer.appendEntry("k", null, bytes("next"), true);
                assertThat(waiting.get()).extracting(WalRecord::ref).containsExactly(next);
            }
        }
    }

    /** The writer replaces the file by a rename at every commit: a reader sees one whole position or the next. */
    @Test
    void aCursorFileReplacedWhileTheViewReadsItIsAlwaysReadWhole() throws Exception {
        try (Wal writer = Wal.open(dir)) {
            List<EntryRef> refs = append(writer, "k", 200);
            WalCursor writers = writer.cursor("c", "k");
            writers.commit(refs.get(0));
            AtomicBoolean done = new AtomicBoolean();
            Future<?> commits = threads.submit(() -> {
                try {
                    for (EntryRef ref : refs) {
                        writers.commit(ref);
                    }
                } finally {
                    done.set(true);
                }
            });
            try (Wal view = Wal.openReadOnly(dir)) {
                WalCursor cursor = view.cursor("c", "k");
                int reads = 0;
                int previous = 0;
                do {
                    int at = refs.indexOf(cursor.position().orElseThrow());
                    int listed = refs.indexOf(view.cursors().get(0).position());
                    assertThat(at).as("a committed position, never going back").isGreaterThanOrEqualTo(previous);
                    assertThat(listed).isGreaterThanOrEqualTo(at);
                    previous = listed;
                    reads++;
                } while (!done.get());
                commits.get();
                assertThat(cursor.position()).contains(refs.get(199));
                assertThat(reads).isPositive();
            }
        }
    }

    @Test
    void aDamagedCursorFileIsRefusedByTheViewAndLeftOutOfItsList() throws Exception {
        List<EntryRef> refs;
        try (Wal writer = Wal.open(dir)) {
            refs = append(writer, "k", 2);
            writer.cursor("good", "k").commit(refs.get(0));
            writer.cursor("bad", "k").commit(refs.get(1));
        }
        Path bad;
        try (Stream<Path> files = Files.list(dir)) {
            bad = files.filter(f -> f.getFileName().toString().startsWith("nanowal-cursor-bad-")).findFirst()
                    .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(bad);
        bytes[bytes.length - 1] ^= 1;
        Files.write(bad, bytes);
        try (Wal view = Wal.openReadOnly(dir)) {
            assertThat(view.cursors()).extracting(CursorInfo::name).containsExactly("good");
            assertThatThrownBy(() -> view.cursor("bad", "k")).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining(bad.getFileName().toString());
            assertThat(view.cursor("good", "k").position()).isEqualTo(Optional.of(refs.get(0)));
            assertThatThrownBy(view::cursorRetentionGuard).isInstanceOf(WalReadOnlyException.class);
        }
    }

    private Set<String> fileNames() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
