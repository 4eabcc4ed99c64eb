package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link Wal#sync()} and {@link Wal#close()} fsync many keys' segments at once ({@link WalOptions#syncThreads()}). */
@ExtendWith(QuietWalLogs.class)
class ParallelSyncTest {

    private static final int KEYS = 32;

    @TempDir
    Path dir;

    /** Records the thread of every fsync. */
    private static final class SyncThreads implements WalListener {
        final List<Thread> threads = new CopyOnWriteArrayList<>();

        @Override
        public void onSync(Duration duration, int waiters) {
            threads.add(Thread.currentThread());
        }

        Set<Thread> distinct() {
            Set<Thread> distinct = ConcurrentHashMap.newKeySet();
            distinct.addAll(threads);
            return distinct;
        }
    }

    /** Appends one buffered entry to each key, then records the fsyncs from there on. */
    private static SyncThreads appendToEveryKeyThenWatchFsyncs(Wal wal) {
        for (int k = 0; k < KEYS; k++) {
            wal.appendEntry("key-" + k, null, bytes("v" + k), false);
        }
        SyncThreads fsyncs = new SyncThreads();
        wal.addListener(fsyncs);
        return fsyncs;
    }

    @Test
    void aSyncOfManyKeysRunsTheirFsyncsAtOnceAndSyncsEachKeyOnce() throws Exception {
        try (Wal wal = Wal.open(dir, WalOptions.builder().syncThreads(4).build())) {
            SyncThreads fsyncs = appendToEveryKeyThenWatchFsyncs(wal);
            // Each of the first two fsyncs to finish waits for the other: run one after another, the first
            // would wait out the timeout alone and the latch would not reach zero.
            CountDownLatch twoAtOnce = new CountDownLatch(2);
            List<Boolean> metAnother = new CopyOnWriteArrayList<>();
            wal.addListener(new WalListener() {
                @Override
                public void onSync(Duration duration, int waiters) {
                    twoAtOnce.countDown();
                    try {
                        metAnother.add(twoAtOnce.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });

            wal.sync();

            assertThat(fsyncs.threads).hasSize(KEYS);
            assertThat(fsyncs.distinct()).hasSizeBetween(2, 4);
            assertThat(metAnother).hasSize(KEYS).containsOnly(true);
            assertThat(fsyncs.distinct()).anyMatch(thread -> thread.getName().startsWith("nano-wal-sync-"));

            fsyncs.threads.clear();
            wal.sync();
            assertThat(fsyncs.threads).as("nothing new to sync").isEmpty();
        }
        try (Wal reopened = Wal.open(dir)) {
            assertThat(reopened.enumerateKeys()).hasSize(KEYS);
        }
    }

    @Test
    void withOneSyncThreadEveryFsyncRunsOnTheCallingThread() {
        try (Wal wal = Wal.open(dir, WalOptions.builder().syncThreads(1).build())) {
            SyncThreads fsyncs = appendToEveryKeyThenWatchFsyncs(wal);

            wal.sync();

            assertThat(fsyncs.threads).hasSize(KEYS);
            assertThat(fsyncs.distinct()).containsExactly(Thread.currentThread());
        }
    }

    @Test
    void closeSyncsEveryKeyAndEndsTheSyncThreads() throws Exception {
        SyncThreads fsyncs;
        try (Wal wal = Wal.open(dir, WalOptions.builder().syncThreads(8).build())) {
            fsyncs = appendToEveryKeyThenWatchFsyncs(wal);
        }
        assertThat(fsyncs.threads).hasSize(KEYS);
        for (Thread thread : fsyncs.distinct()) {
            if (thread != Thread.currentThread()) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(thread.isAlive()).as("%s after close", thread.getName()).isFalse();
            }
        }
        try (Wal reopened = Wal.open(dir)) {
            for (int k = 0; k < KEYS; k++) {
                assertThat(RotationAndRetentionTest.contents(reopened, "key-" + k)).containsExactly("v" + k);
            }
        }
    }

    @Test
    void anInterruptedSyncStillSyncsEveryKeyAndKeepsTheInterrupt() {
        try (Wal wal = Wal.open(dir, WalOptions.builder().syncThreads(4).build())) {
            SyncThreads fsyncs = appendToEveryKeyThenWatchFsyncs(wal);

            Thread.currentThread().interrupt();
            wal.sync();

            assertThat(Thread.interrupted()).isTrue();
            assertThat(fsyncs.threads).hasSize(KEYS);
        }
    }

    @Test
    void oneKeysFailedFsyncFailsTheSyncAfterEveryOtherKeyWasSynced() {
        FaultyStorage storage = new FaultyStorage();
        try (Wal wal = Wal.open(dir, WalOptions.builder().syncThreads(4).build(), storage)) {
            SyncThreads fsyncs = appendToEveryKeyThenWatchFsyncs(wal);
            storage.fail(FaultyStorage.Fault.EIO, FaultyStorage.Op.FORCE).onlyFor("key-7-");

            assertThatThrownBy(wal::sync).isInstanceOf(WalIOException.class)
                    .hasMessageContaining("fsync failed for segment").hasMessageContaining("key-7-");
            assertThat(fsyncs.threads).hasSize(KEYS - 1);
            storage.heal();
        }
    }

    @Test
    void syncThreadsOutsideTheirRangeAreRefusedNamingTheRange() {
        assertThat(WalOptions.defaults().syncThreads()).isEqualTo(16);
        assertThatThrownBy(() -> WalOptions.builder().syncThreads(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("syncThreads must be between 1 and 256, was 0");
        assertThatThrownBy(() -> WalOptions.builder().syncThreads(257))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("syncThreads must be between 1 and 256, was 257");
    }

    /**
     * An append that holds its key's lock when close() begins was admitted before the WAL was marked closed,
     * so close() must wait for it and fsync it. (A first version of parallel sync decided without the lock that
     * the key had nothing to sync, and close() skipped it; `ConcurrencyTest.closeUnderLoad...` failed about once
     * in a dozen runs.)
     */
    @Test
    void closeWaitsForAnAppendInProgressAndFsyncsIt() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean pauseNextWrite = new AtomicBoolean();
        FaultyChannel.Hooks pausing = new FaultyChannel.Hooks() {
            @Override
            public int write(Path path, FileChannel real, ByteBuffer src, long position) throws IOException {
                if (pauseNextWrite.compareAndSet(true, false)) {
                    writing.countDown();
                    try {
                        if (!release.await(30, TimeUnit.SECONDS)) {
                            throw new IOException("the test never released the paused write");
                        }
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException("interrupted while paused");
                    }
                }
                return real.write(src, position);
            }
        };
        Storage storage = new HookedStorage(pausing);
        Wal wal = Wal.open(dir, WalOptions.builder().writeBufferSize(0).build(), storage);
        wal.appendEntry("k", null, bytes("first"), true);
        SyncThreads fsyncs = new SyncThreads();
        wal.addListener(fsyncs);
        pauseNextWrite.set(true);
        CompletableFuture<EntryRef> inProgress = CompletableFuture.supplyAsync(
                () -> wal.appendEntry("k", null, bytes("in progress"), false));
        writing.await();
        Thread closer = new Thread(wal::close, "closer");
        closer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (closer.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(closer.getState()).as("close() waits for the key's lock").isEqualTo(Thread.State.WAITING);
        release.countDown();
        EntryRef ref = inProgress.get(30, TimeUnit.SECONDS);
        closer.join();

        assertThat(fsyncs.threads).as("close() fsynced the entry appended meanwhile").hasSize(1);
        try (Wal reopened = Wal.open(dir)) {
            assertThat(reopened.readEntryAt(ref)).isEqualTo(bytes("in progress"));
        }
    }
}
