package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanowal.CrashStorage.Mode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, then a power loss. For every step of a scenario (durable and buffered appends to several keys
 * across rotations, a durable batch, a sync, a close), the disk fills up at that step: either every write from
 * then on is cut short and fails with ENOSPC, or every fsync does (nothing it covers becomes durable). The
 * scenario goes on through the failures (each failing call must throw {@link WalIOException} with
 * {@code isDiskFull()}), and a few steps later, or at its end, the power fails, in each power-loss mode of
 * {@link CrashStorage}. The oracle on what it left: it opens and reports no damage; every entry acknowledged
 * durable before the power loss reads back exactly, by reference and by enumeration; nothing comes back that was
 * never appended, and nothing out of order; appends continue and survive another reopen.
 */
@ExtendWith(QuietWalLogs.class)
class DiskFullPowerLossTest {

    /** How many steps after the disk fills up the power fails (or at the scenario's end, if that comes first). */
    private static final int STEPS_WHILE_FULL = 6;
    private static final List<Mode> POWER_LOSSES = List.of(Mode.POWER_LOSS, Mode.TORN_WRITEBACK,
            Mode.OUT_OF_ORDER_WRITEBACK);

    @TempDir
    Path root;

    private int recoveries;
    private int checked;
    private int refused;
    private int saidDiskFull;

    private static WalOptions options() {
        return WalOptions.builder().checkpointInterval(Duration.ofHours(1)).maxSegmentSize(4096).build();
    }

    /** Each call may fail for the full disk; a failed append is attempted, never acknowledged. */
    private void scenario(Wal wal, Ledger ledger) {
        for (int i = 0; i < 10; i++) {
            String key = "k" + (i % 3);
            int size = 300 + (i % 4) * 350;
            boolean durable = i % 2 == 0;
            attempt(() -> ledger.append(wal, key, size, durable));
        }
        attempt(() -> {
            List<WalEntry> batch = new ArrayList<>();
            List<Ledger.Attempt> attempts = new ArrayList<>();
            for (String key : List.of("k0", "k1", "n")) {
                Ledger.Attempt attempt = ledger.next(key, 400, true);
                attempts.add(attempt);
                batch.add(new WalEntry(key, attempt.header(), attempt.content()));
            }
            List<EntryRef> refs = wal.appendBatch(batch, true);
            for (int i = 0; i < refs.size(); i++) {
                ledger.acknowledge(attempts.get(i).id(), refs.get(i));
            }
        });
        attempt(() -> {
            wal.sync();
            ledger.allAcknowledgedAreDurable();
        });
        attempt(() -> ledger.append(wal, "k2", 2500, true));
        attempt(() -> ledger.append(wal, "k1", 200, false));
        attempt(() -> {
            wal.close();
            ledger.allAcknowledgedAreDurable();
        });
    }

    /**
     * A failing call throws {@link WalIOException}; the one that meets ENOSPC says the disk is full, a later one
     * may say why it cannot go on instead (the segment whose write failed, the commit before it that failed).
     */
    private void attempt(Runnable call) {
        try {
            call.run();
        } catch (WalIOException e) {
            refused++;
            saidDiskFull += e.isDiskFull() ? 1 : 0;
        }
    }

    @Test
    void everyDurableEntrySurvivesAPowerLossAfterTheDiskFilledUpAtAnyStep() throws IOException {
        Path template = root.resolve("template");
        Ledger prepared = new Ledger();
        try (Wal wal = Wal.open(template, options())) {
            for (int i = 0; i < 6; i++) {
                prepared.append(wal, "k" + (i % 3), 500, i % 2 == 0);
            }
        }
        prepared.allAcknowledgedAreDurable();
        Path countDir = WalCopies.copy(template, root.resolve("count"));
        CrashStorage counting = new CrashStorage(countDir, 0, Mode.POWER_LOSS, null, () -> { });
        try (Wal wal = Wal.open(countDir, options(), counting)) {
            scenario(wal, prepared.copy());
        }
        int steps = counting.steps().size();
        assertThat(steps).as("steps of the scenario").isGreaterThan(30);

        int crashes = 0;
        for (boolean fsyncsFail : List.of(false, true)) {
            for (Mode mode : POWER_LOSSES) {
                for (int full = 1; full <= steps; full++) {
                    crash(template, prepared, full, fsyncsFail, mode);
                    crashes++;
                }
            }
        }
        assertThat(saidDiskFull).as("calls refused with isDiskFull()").isGreaterThan(crashes);
        System.out.println("[DiskFullPowerLossTest] " + steps + " steps x 2 kinds of full disk x " + POWER_LOSSES.size()
                + " power-loss modes = " + crashes + " crashes, " + refused + " calls refused (" + saidDiskFull
                + " with isDiskFull()), " + recoveries + " recoveries, " + checked + " durable entries checked; 0 lost");
    }

    private void crash(Path template, Ledger prepared, int full, boolean fsyncsFail, Mode mode) throws IOException {
        String name = (fsyncsFail ? "fsyncs" : "writes") + "-" + mode + "-" + full;
        Path work = WalCopies.copy(template, root.resolve("run-" + name));
        Path crashed = root.resolve("crashed-" + name);
        Ledger ledger = prepared.copy();
        Set<Long> durableAtCrash = new HashSet<>();
        CrashStorage storage = new CrashStorage(work, full + STEPS_WHILE_FULL, mode, crashed,
                () -> durableAtCrash.addAll(ledger.durableIds())).fullFrom(full, fsyncsFail);
        String where = "a power loss (" + mode + ") after " + (fsyncsFail ? "fsyncs" : "writes") + " failed with ENOSPC "
                + "from step " + full;
        Wal[] wal = new Wal[1];
        attempt(() -> wal[0] = Wal.open(work, options(), storage));
        if (wal[0] != null) {
            scenario(wal[0], ledger);
        }
        storage.crashNow();
        if (wal[0] != null) {
            try {
                wal[0].close();
            } catch (WalException ignored) {
                // the machine is down
            }
        }
        Ledger oracle = ledger.afterCrash(durableAtCrash);
        try {
            oracle.checkRecoveryOf(crashed, options(), List.of("k0", "n"));
            recoveries++;
            checked += durableAtCrash.size();
            try (Wal again = Wal.open(crashed, options())) {
                oracle.checkAll(again, true);
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("after " + where + ": " + e.getMessage(), e);
        }
        WalCopies.delete(work);
        WalCopies.delete(crashed);
    }
}
