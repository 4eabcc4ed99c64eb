package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.FaultyStorage.Fault;
import dev.nanowal.FaultyStorage.Op;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WalOptions#backgroundSyncSize()}: buffered appends past the threshold are fsynced by a background thread
 * without a call to {@code sync()}; off, nothing fsyncs them; a failing background fsync makes the next
 * {@code sync()} fail rather than report durable what is not, and loses nothing that an earlier sync made durable.
 */
@ExtendWith(QuietWalLogs.class)
class BackgroundSyncTest {

    private static final int ENTRY = 1000;

    @TempDir
    Path dir;

    @Test
    void bufferedAppendsPastTheThresholdAreFsyncedWithoutASync() throws InterruptedException {
        WalOptions options = WalOptions.builder().backgroundSyncSize(WalOptions.MIN_BACKGROUND_SYNC_SIZE)
                .journal(false).build();
        CountDownLatch fsynced = new CountDownLatch(1);
        try (Wal wal = Wal.open(dir, options)) {
            wal.addListener(new WalListener() {
                @Override
                public void onSync(Duration duration, int entries) {
                    fsynced.countDown();
                }
            });
            appendBuffered(wal, "k", 1000);
            assertThat(fsynced.await(10, TimeUnit.SECONDS)).as("the listener heard a background fsync within 10 s")
                    .isTrue();
            assertThat(wal.stats().syncs()).as("segment fsyncs: nothing called sync()").isPositive();
        }
    }

    @Test
    void offNoBufferedAppendIsFsyncedBeforeASync() {
        WalOptions options = WalOptions.builder().backgroundSyncSize(0).journal(false).build();
        try (Wal wal = Wal.open(dir, options)) {
            appendBuffered(wal, "k", 1000);
            // a request starts the background thread at once, so no thread means no fsync was asked for
            assertThat(Thread.getAllStackTraces().keySet()).map(Thread::getName)
                    .noneMatch(name -> name.startsWith("nano-wal-background-sync " + dir));
            assertThat(wal.stats().syncs()).isZero();
            wal.sync();
            assertThat(wal.stats().syncs()).isPositive();
        }
    }

    @Test
    void aFailedBackgroundFsyncFailsTheNextSyncAndKeepsWhatWasSynced() throws InterruptedException {
        FaultyStorage storage = new FaultyStorage();
        WalOptions options = WalOptions.builder().backgroundSyncSize(WalOptions.MIN_BACKGROUND_SYNC_SIZE).build();
        Wal wal = Wal.open(dir, options, storage);
        CountDownLatch failing = new CountDownLatch(1);
        wal.addListener(new WalListener() {
            @Override
            public void onDiskStateChange(DiskState state, WalIOException cause) {
                if (state == DiskState.FAILING) {
                    failing.countDown();
                }
            }
        });
        List<EntryRef> synced = appendBuffered(wal, "k", 10);
        wal.sync();
        storage.fail(Fault.EIO, Op.FORCE);
        // once the background fsync failed, the disk counts as failing and appends are refused until it heals
        try {
            appendBuffered(wal, "k", 1000);
        } catch (WalIOException refused) {
            assertThat(storage.injected()).as("an append refused after the failed fsync").isPositive();
        }
        assertThat(failing.await(10, TimeUnit.SECONDS)).as("a failed background fsync within 10 s").isTrue();
        assertThat(storage.injected()).isPositive();
        assertThat(wal.diskState()).isEqualTo(DiskState.FAILING);
        assertThatThrownBy(wal::sync).as("a sync after the failed background fsync")
                .isInstanceOf(WalIOException.class);
        storage.heal();
        assertThat(wal.readEntryAt(synced.get(9))).hasSize(ENTRY);
        try {
            wal.close();
        } catch (WalIOException closeFailure) {
            // the close's last sync may meet the failed segment too; what counts is what the reopen finds
        }
        try (Wal reopened = Wal.open(dir, options)) {
            for (EntryRef ref : synced) {
                assertThat(reopened.readEntryAt(ref)).hasSize(ENTRY);
            }
        }
    }

    @Test
    void theOptionNamesItsRange() {
        assertThatThrownBy(() -> WalOptions.builder().backgroundSyncSize(1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backgroundSyncSize must be 0 (off) or between 65536 and 1099511627776 bytes, was 1000");
        assertThat(WalOptions.defaults().backgroundSyncSize()).isEqualTo(4L * 1024 * 1024);
    }

    private static List<EntryRef> appendBuffered(Wal wal, String key, int count) {
        List<EntryRef> refs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            refs.add(wal.appendEntry(key, null, new byte[ENTRY], false));
        }
        return refs;
    }
}
