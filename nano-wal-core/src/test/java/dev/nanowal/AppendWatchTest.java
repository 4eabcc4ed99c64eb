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
 * The watch of every key ({@link Wal#watchAppends()}). Every wait is a whole day: when it returns, an append, a
 * wake-up or a close ended it (nothing else could within the run). The JUnit timeout only stops a hung build.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AppendWatchTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final ParkedThreads threads = new ParkedThreads();

    @Test
    void anAppendFromAnotherThreadToAKeyNeverSeenBeforeEndsAWait() throws Exception {
        try (Wal wal = Wal.open(dir); WalAppendWatch watch = wal.watchAppends()) {
            Future<Boolean> woken = threads.parked(() -> watch.await(FOREVER));
            assertThat(woken).isNotDone();
            Future<EntryRef> appended = threads.submit(() -> wal.appendEntry("brand-new", null, bytes("x"), false));

            assertThat(woken.get()).isTrue();
            assertThat(wal.lastEntry("brand-new")).contains(appended.get());
            assertThat(watch.await(Duration.ZERO)).as("nothing since the wait returned").isFalse();
        }
    }

    @Test
    void anAppendWhileTheConsumerLooksMakesTheNextWaitReturnAtOnce() {
        try (Wal wal = Wal.open(dir)) {
            wal.appendEntry("before", null, bytes("x"), true);
            try (WalAppendWatch watch = wal.watchAppends()) {
                assertThat(watch.await(Duration.ZERO)).as("appends before the watch was made").isFalse();
                wal.appendEntry("a", null, bytes("1"), false);
                wal.appendBatch(List.of(WalEntry.of("b", null, bytes("2")), WalEntry.of("c", null, bytes("3"))), true);
                assertThat(watch.await(FOREVER)).isTrue();
                assertThat(watch.await(Duration.ZERO)).isFalse();
                wal.appendEntryIf("a", wal.lastEntry("a").orElseThrow(), null, bytes("4"), true);
                assertThat(watch.await(FOREVER)).isTrue();
            }
        }
    }

    /** A consumer of many keys that looks at them only when woken sees every entry of many writing threads. */
    @Test
    void aConsumerWaitingOnlyOnTheWatchSeesEveryAppendOfManyThreads() throws Exception {
        int writers = 4;
        int perWriter = 500;
        try (Wal wal = Wal.open(dir); WalAppendWatch watch = wal.watchAppends()) {
            Future<Long> consumer = threads.submit(() -> {
                long seen = 0;
                while (seen < (long) writers * perWriter) {
                    watch.await(FOREVER);
                    seen = wal.keyInfos().stream().mapToLong(KeyInfo::entries).sum();
                }
                return seen;
            });
            List<Future<?>> writing = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                writing.add(threads.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        wal.appendEntry("key-" + writer + "-" + (i % 7), null, bytes(writer + ":" + i), i % 100 == 0);
                    }
                }));
            }
            for (Future<?> writer : writing) {
                writer.get();
            }
            assertThat(consumer.get()).isEqualTo((long) writers * perWriter);
        }
    }

    @Test
    void aWakeUpEndsTheWaitOfAnotherThreadWithoutReportingAnAppend() throws Exception {
        try (Wal wal = Wal.open(dir); WalAppendWatch watch = wal.watchAppends()) {
            Future<Boolean> woken = threads.parked(() -> watch.await(FOREVER));
            watch.wakeUp();
            assertThat(woken.get()).isFalse();

            watch.wakeUp();
            assertThat(watch.await(FOREVER)).as("a wake-up before the wait").isFalse();
            wal.appendEntry("k", null, bytes("x"), false);
            assertThat(watch.await(FOREVER)).isTrue();
        }
    }

    @Test
    void anInterruptEndsTheWaitWithTheStatusKept() throws Exception {
        try (Wal wal = Wal.open(dir); WalAppendWatch watch = wal.watchAppends()) {
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<Boolean> wait = threads.parked(waiter,
                    () -> !watch.await(FOREVER) && Thread.currentThread().isInterrupted());
            waiter.get().interrupt();
            assertThat(wait.get()).isTrue();
        }
    }

    @Test
    void closingTheWalEndsAWaitWithWalClosedException() throws Exception {
        Wal wal = Wal.open(dir);
        WalAppendWatch watch = wal.watchAppends();
        Future<Boolean> wait = threads.parked(() -> watch.await(FOREVER));
        wal.close();

        assertThatThrownBy(wait::get).cause().isInstanceOf(WalClosedException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> watch.await(Duration.ZERO)).isInstanceOf(WalClosedException.class);
        assertThatThrownBy(wal::watchAppends).isInstanceOf(WalClosedException.class);
        watch.wakeUp();
        watch.close();
    }

    @Test
    void closingTheWatchEndsItsWaitAndStopsItsWakeUps() throws Exception {
        try (Wal wal = Wal.open(dir)) {
            WalAppendWatch watch = wal.watchAppends();
            Future<Boolean> wait = threads.parked(() -> watch.await(FOREVER));
            watch.close();
            watch.close();

            assertThatThrownBy(wait::get).cause().isInstanceOf(WalClosedException.class)
                    .hasMessageContaining("watch is closed");
            wal.appendEntry("k", null, bytes("still works"), true);
            assertThatThrownBy(() -> watch.await(Duration.ZERO)).isInstanceOf(WalClosedException.class);
        }
    }

    /** A view's watch wakes on the writer's files; it looks until it sees the writer's new key, waiting in between. */
    @Test
    void aReadOnlyViewsWatchIsWokenByTheWriterOfItsDirectory() throws Exception {
        try (Wal writer = Wal.open(dir); Wal view = Wal.openReadOnly(dir); WalAppendWatch watch = view.watchAppends()) {
            Future<Integer> waits = threads.parked(() -> {
                int count = 0;
                while (!view.enumerateKeys().contains("from-the-writer")) {
                    watch.await(FOREVER);
                    count++;
                }
                return count;
            });
            assertThat(waits).isNotDone();
            writer.appendEntry("from-the-writer", null, bytes("x"), true);

            assertThat(waits.get()).isPositive();
            assertThat(view.lastEntry("from-the-writer")).isEqualTo(writer.lastEntry("from-the-writer"));
        }
    }

    @Test
    void closingAReadOnlyViewEndsItsWatchsWait() throws Exception {
        try (Wal writer = Wal.open(dir)) {
            writer.appendEntry("k", null, bytes("x"), true);
            Wal view = Wal.openReadOnly(dir);
            WalAppendWatch watch = view.watchAppends();
            Future<Boolean> wait = threads.parked(() -> {
                while (true) {
                    watch.await(FOREVER);
                }
            });
            view.close();

            assertThatThrownBy(wait::get).cause().isInstanceOf(WalClosedException.class)
                    .hasMessageContaining("read-only view");
            assertThatThrownBy(view::watchAppends).isInstanceOf(WalClosedException.class);
        }
    }
}
