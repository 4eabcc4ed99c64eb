package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.CrashStorage.Mode;
import dev.nanowal.cli.WalCli;
import dev.nanowal.internal.engine.WalFiles;
import dev.nanowal.internal.format.SegmentNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A crash at every I/O step of a scenario around a backup (appends, {@link Wal#backup}, an append after it,
 * close), for each kind of crash {@link CrashStorage} simulates (power loss, power loss with part of the
 * unsynced tails written back, process crash), with hard links and with copies only. The oracle: the WAL opens
 * on what the crash left with every entry durable at the crash; the backup's directory is missing or empty, or
 * holds the incomplete-backup marker, and then refuses to open and fails {@code verify}, or opens with every
 * entry appended before the backup was called and passes {@code verify}.
 */
@ExtendWith(QuietWalLogs.class)
class BackupCrashTest {

    /** What a crash left of the backup. */
    private enum Outcome { NONE, INCOMPLETE, COMPLETE }

    @TempDir
    Path root;

    private Ledger prepared;
    private final Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);

    private static WalOptions options() {
        return WalOptions.builder().maxSegmentSize(4096).build();
    }

    /** Sealed segments (linked or copied whole) and active ones, all durable. */
    private Ledger prepare(Path dir) {
        Ledger ledger = new Ledger();
        try (Wal wal = Wal.open(dir, options())) {
            for (int i = 0; i < 12; i++) {
                ledger.append(wal, "a", 700, i % 2 == 0);
                ledger.append(wal, "b", 300, true);
            }
        }
        ledger.allAcknowledgedAreDurable();
        return ledger;
    }

    /** Sets {@code atBackup} to the ledger as the backup is called: every entry in it must be in a complete backup. */
    private static void scenario(Wal wal, Ledger ledger, Path target, AtomicReference<Ledger> atBackup) {
        ledger.append(wal, "a", 200, true);
        ledger.append(wal, "b", 900, false);
        ledger.append(wal, "c", 100, false);
        atBackup.set(ledger.copy());
        wal.backup(target);
        ledger.append(wal, "a", 100, true);
        wal.close();
        ledger.allAcknowledgedAreDurable();
    }

    @ParameterizedTest(name = "links={0}")
    @ValueSource(booleans = {true, false})
    void aCrashAtAnyStepOfABackupLeavesTheWalWholeAndTheBackupCompleteOrMarkedIncomplete(boolean links)
            throws IOException {
        Path template = root.resolve("template");
        prepared = prepare(template);
        Path countDir = WalCopies.copy(template, root.resolve("count"));
        CrashStorage counting = storage(countDir, 0, Mode.POWER_LOSS, root.resolve("unused"), () -> { }, links)
                .alsoCrash(root.resolve("count-backup"), root.resolve("unused-backup"));
        try (Wal wal = Wal.open(countDir, options(), counting)) {
            scenario(wal, prepared.copy(), root.resolve("count-backup"), new AtomicReference<>());
        }
        List<String> steps = counting.steps();
        assertThat(steps).as("the scenario's steps").anyMatch(step -> step.startsWith(links ? "link" : "create"));

        for (Mode mode : Mode.values()) {
            for (int n = 1; n <= steps.size() + 1; n++) {
                crashAt(template, n, mode, steps, links);
            }
        }
        System.out.println("[BackupCrashTest] links=" + links + ": " + steps.size() + " steps x " + Mode.values().length
                + " crash kinds; backups left: " + outcomes);
        assertThat(outcomes.getOrDefault(Outcome.INCOMPLETE, 0)).as("crashes that cut a backup short").isPositive();
        assertThat(outcomes.getOrDefault(Outcome.COMPLETE, 0)).as("crashes after a complete backup").isPositive();
    }

    private static CrashStorage storage(Path dir, int n, Mode mode, Path crashed, Runnable onCrash, boolean links) {
        CrashStorage storage = new CrashStorage(dir, n, mode, crashed, onCrash);
        return links ? storage : storage.refusingLinks();
    }

    private void crashAt(Path template, int n, Mode mode, List<String> steps, boolean links) throws IOException {
        String run = mode + "-" + n;
        Path work = WalCopies.copy(template, root.resolve("run-" + run));
        Path target = root.resolve("backup-" + run);
        Path crashed = root.resolve("crashed-" + run);
        Path crashedTarget = root.resolve("crashed-backup-" + run);
        Ledger ledger = prepared.copy();
        Set<Long> durableAtCrash = new HashSet<>();
        CrashStorage storage = storage(work, n, mode, crashed, () -> durableAtCrash.addAll(ledger.durableIds()), links)
                .alsoCrash(target, crashedTarget);
        String where = "crash (" + mode + ", links=" + links + ") before step " + n
                + (n <= steps.size() ? " '" + steps.get(n - 1) + "'" : " (after the end)");
        AtomicReference<Ledger> atBackup = new AtomicReference<>();
        storage.runUntilCrash(work, options(), wal -> scenario(wal, ledger, target, atBackup), where);
        if (!storage.crashed()) {
            return;
        }
        try {
            try (Wal reopened = Wal.open(crashed, options())) {
                ledger.durableOnly(durableAtCrash).checkAll(reopened, true);
            }
            Outcome outcome = checkBackup(crashedTarget, atBackup.get());
            outcomes.merge(outcome, 1, Integer::sum);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("after a " + where + ": " + e.getMessage(), e);
        }
        for (Path dir : List.of(work, target, crashed, crashedTarget)) {
            WalCopies.delete(dir);
        }
    }

    private static Outcome checkBackup(Path backup, Ledger atBackup) throws IOException {
        if (!Files.exists(backup) || WalFiles.names(backup).isEmpty()) {
            // a process crash right after the target's creation: as it was, no backup
            return Outcome.NONE;
        }
        if (Files.exists(backup.resolve(SegmentNames.BACKUP_INCOMPLETE))) {
            assertThatThrownBy(() -> Wal.open(backup, options())).isInstanceOf(WalException.class)
                    .hasMessageContaining("incomplete backup");
            assertThat(verify(backup)).as("verify of an incomplete backup").isEqualTo(1);
            return Outcome.INCOMPLETE;
        }
        assertThat(verify(backup)).as("verify of a complete backup").isZero();
        try (Wal copy = Wal.open(backup, options())) {
            atBackup.checkAll(copy, false);
        }
        return Outcome.COMPLETE;
    }

    private static int verify(Path dir) {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return WalCli.run(new String[] {"verify", dir.toString()}, sink, sink);
    }
}
