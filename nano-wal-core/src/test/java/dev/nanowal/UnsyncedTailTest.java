package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "unsynced damage refuses the whole WAL": a power loss after the page cache wrote back a later part of
 * a segment's unsynced tail but not an earlier one leaves zeros followed by valid, never acknowledged records. The
 * WAL knows how far the segment was made durable (the journal's ranges, the extents file), so that is an unsynced
 * tail to cut, not corruption: it opens, reports no damage, and loses no acknowledged durable entry.
 */
class UnsyncedTailTest {

    @TempDir
    Path root;

    /** Counts the WAL's log lines about cutting unsynced bytes that valid frames followed. */
    private static final class UnsyncedCuts extends Handler {
        int count;

        @Override
        public void publish(LogRecord record) {
            if (record.getMessage() != null && record.getMessage().contains("unsynced bytes")) {
                count++;
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void outOfOrderWritebackOfAnUnsyncedTailIsCutAndNoAcknowledgedEntryIsLost() throws IOException {
        Logger logger = Logger.getLogger(Wal.class.getName());
        UnsyncedCuts cuts = new UnsyncedCuts();
        Level level = logger.getLevel();
        logger.addHandler(cuts);
        logger.setLevel(Level.WARNING);
        logger.setUseParentHandlers(false);
        int runs = 0;
        try {
            for (int buffered = 4; buffered <= 40; buffered += 3) {
                crashAfter(buffered, runs++);
            }
        } finally {
            logger.removeHandler(cuts);
            logger.setLevel(level);
            logger.setUseParentHandlers(true);
        }
        System.out.println("[UnsyncedTailTest] " + runs + " power losses with out-of-order writeback: " + cuts.count
                + " opens cut zeros followed by valid unsynced records; every acknowledged entry read back");
        assertThat(cuts.count).as("crashes that left zeros followed by valid records in an unsynced tail")
                .isPositive();
    }

    /**
     * Three durable entries synced by a close, three more made durable by the journal, then {@code buffered}
     * buffered ones handed to the file, then a crash before the fsync of the next durable append to another key.
     */
    private void crashAfter(int buffered, int run) throws IOException {
        Path dir = root.resolve("wal-" + run);
        Path crashed = root.resolve("crashed-" + run);
        List<EntryRef> acknowledged = new ArrayList<>();
        // the key's segment and its first entries, synced by the close: the durable prefix of the file
        try (Wal wal = Wal.open(dir)) {
            for (int i = 0; i < 3; i++) {
                acknowledged.add(wal.appendEntry("k", null, ("durable-" + i).getBytes(), true));
            }
        }
        Path countDir = WalCopies.copy(dir, root.resolve("count-" + run));
        CrashStorage counting = new CrashStorage(countDir, 0, CrashStorage.Mode.OUT_OF_ORDER_WRITEBACK, null, () -> { });
        int scenarioSteps;
        try (Wal wal = Wal.open(countDir, WalOptions.defaults(), counting)) {
            scenario(wal, buffered, new ArrayList<>(acknowledged));
            scenarioSteps = counting.steps().size();
        }
        int lastForce = -1;
        for (int i = 0; i < scenarioSteps; i++) {
            if (counting.steps().get(i).startsWith("force")) {
                lastForce = i + 1;
            }
        }
        CrashStorage crashing = new CrashStorage(dir, lastForce, CrashStorage.Mode.OUT_OF_ORDER_WRITEBACK, crashed,
                () -> { });
        try (Wal wal = Wal.open(dir, WalOptions.defaults(), crashing)) {
            scenario(wal, buffered, acknowledged);
        } catch (WalException e) {
            assertThat(crashing.crashed()).as("failed without the crash: %s", e).isTrue();
        }
        assertThat(crashing.crashed()).isTrue();
        try (Wal wal = Wal.open(crashed)) {
            assertThat(wal.damage()).as("run %d: an unsynced tail is not damage", run).isEmpty();
            assertThat(acknowledged).hasSize(6);
            for (int i = 0; i < acknowledged.size(); i++) {
                assertThat(wal.readEntryAt(acknowledged.get(i))).isEqualTo(("durable-" + i).getBytes());
            }
            assertThatThrownBy(() -> wal.readEntryAt(new EntryRef(acknowledged.get(0).keyHash(), Long.MAX_VALUE, 0)))
                    .isInstanceOf(WalEntryNotFoundException.class);
            EntryRef next = wal.appendEntry("k", null, "after".getBytes(), true);
            assertThat(wal.readEntryAt(next)).isEqualTo("after".getBytes());
        }
    }

    private static void scenario(Wal wal, int buffered, List<EntryRef> acknowledged) {
        for (int i = acknowledged.size(); i < 6; i++) {
            acknowledged.add(wal.appendEntry("k", null, ("durable-" + i).getBytes(), true));
        }
        EntryRef last = null;
        for (int i = 0; i < buffered; i++) {
            last = wal.appendEntry("k", null, new byte[300 + i], false);
        }
        // hands the buffered entries to the file (the page cache), where the crash finds them unsynced
        wal.readEntryAt(last);
        wal.appendEntry("other", null, "x".getBytes(), true);
    }
}
