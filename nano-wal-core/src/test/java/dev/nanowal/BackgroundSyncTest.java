package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.FaultyStorage.Fault;
import dev.nanowal.FaultyStorage.Op;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
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
    void bufferedAppendsPastTheThresholdAreFsyncedWithoutASync() {
        WalOptions options = WalOptions.builder().backgroundSyncSize(WalOptions.MIN_BACKGROUND_SYNC_SIZE)
                .journal(false).build();
        List<Duration> fsyncs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, options)) {
            wal.addListener(listener(fsyncs));
            appendBuffered(wal, "k", 1000);
            awaitTrue(() -> wal.stats().syncs() > 0, "a background fsync within 10 s");
            assertThat(wal.stats().syncs()).as("segment fsyncs: nothing called sync()").isPositive();
            synchronized (fsyncs) {
                assertThat(fsyncs).as("the listener hears background fsyncs as fsyncs").isNotEmpty();
            }
        }
    }

    @Test
    void offNoBufferedAppendIsFsyncedBeforeASync() throws InterruptedException {
        WalOptions options = WalOptions.builder().backgroundSyncSize(0).journal(false).build();
        try (Wal wal = Wal.open(dir, options)) {
            appendBuffered(wal, "k", 1000);
            Thread.sleep(300);
            assertThat(wal.stats().syncs()).isZero();
            wal.sync();
            assertThat(wal.stats().syncs()).isPositive();
        }
    }

    @Test
    void aFailedBackgroundFsyncFailsTheNextSyncAndKeepsWhatWasSynced() {
        FaultyStorage storage = new FaultyStorage();
        WalOptions options = WalOptions.builder().backgroundSyncSize(WalOptions.MIN_BACKGROUND_SYNC_SIZE).build();
        Wal wal = Wal.open(dir, options, storage);
        List<EntryRef> synced = appendBuffered(wal, "k", 10);
        wal.sync();
        storage.fail(Fault.EIO, Op.FORCE);
        // once the background fsync failed, the disk counts as failing and appends are refused until it heals
        try {
            appendBuffered(wal, "k", 1000);
        } catch (WalIOException refused) {
            assertThat(storage.injected()).as("an append refused after the failed fsync").isPositive();
        }
        awaitTrue(() -> storage.injected() > 0, "a background fsync within 10 s");
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

    private static WalListener listener(List<Duration> fsyncs) {
        return new WalListener() {
            @Override
            public void onSync(Duration duration, int entries) {
                synchronized (fsyncs) {
                    fsyncs.add(duration);
                }
            }
        };
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }
}
