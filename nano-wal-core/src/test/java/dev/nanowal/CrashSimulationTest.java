package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanowal.CrashStorage.Mode;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.SegmentNames;
import java.io.IOException;
import java.nio.file.Files;
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
 * Crash at every I/O step. A scenario (recovery of a torn tail and of an abandoned segment creation, appends,
 * durable appends, a batch, rotation by size and by time, compaction, sync, close) runs once to count its
 * steps; then, for every step N and for four kinds of crash (power loss keeping only what was forced and the
 * directory as last fsynced; the same with part of the unsynced tails written back; the same with a later
 * sector of each unsynced tail written back and an earlier one not; a process crash keeping everything), it runs
 * again, "crashes" before step N, and the WAL is opened on what the crash left. The oracle: it opens and reports no
 * damage; every entry acknowledged as durable before the crash reads back exactly, by reference and by
 * enumeration; nothing else comes back but whole entries that were appended, in order; appends continue and
 * survive another reopen.
 */
@ExtendWith(QuietWalLogs.class)
class CrashSimulationTest {

    private static final String START = "2026-01-01T00:00:00Z";

    @TempDir
    Path root;

    private Ledger prepared;
    private int opened;
    private int checked;

    private WalOptions options(MutableClock clock) {
        return WalOptions.builder().clock(clock).entryRetention(Duration.ofHours(1)).segmentsPerRetentionPeriod(4)
                .maxSegmentSize(4096).build();
    }

    /** The durable state the scenario starts from: entries written before, a torn tail and a dead temp file. */
    private Ledger prepare(Path dir) throws IOException {
        Ledger ledger = new Ledger();
        MutableClock clock = MutableClock.startingAt(START);
        try (Wal wal = Wal.open(dir, options(clock))) {
            for (int i = 0; i < 4; i++) {
                ledger.append(wal, "a", 200, true);
                ledger.append(wal, "b", 300, false);
            }
        }
        ledger.allAcknowledgedAreDurable();
        List<Path> segments = SegmentFiles.segments(dir);
        SegmentFiles.append(segments.get(segments.size() - 1), "NANORC torn".getBytes());
        Path abandoned = dir.resolve(SegmentNames.fileName("z", KeyNames.hash("z".getBytes()), 999) + ".tmp");
        Files.write(abandoned, new byte[10]);
        return ledger;
    }

    /** The scenario: every step it takes is a possible crash point. */
    private static void scenario(Wal wal, Ledger ledger, MutableClock clock) {
        ledger.append(wal, "a", 100, true);
        ledger.append(wal, "b", 100, false);
        ledger.append(wal, "b", 150, true);
        for (int i = 0; i < 5; i++) {
            ledger.append(wal, "a", 900, i % 2 == 0);
        }
        clock.advance(Duration.ofMinutes(16));
        ledger.append(wal, "b", 120, true);
        ledger.append(wal, "c", 80, false);
        wal.sync();
        ledger.allAcknowledgedAreDurable();
        List<Long> beforeExpiry = new ArrayList<>(ledger.attempts().keySet());
        clock.advance(Duration.ofHours(2));
        ledger.append(wal, "c", 90, true);
        ledger.mayHaveExpired(beforeExpiry);
        wal.compact();
        ledger.append(wal, "a", 100, true);
        List<WalEntry> batch = new ArrayList<>();
        List<Ledger.Attempt> attempts = new ArrayList<>();
        for (String key : List.of("a", "b", "d", "a")) {
            Ledger.Attempt attempt = ledger.next(key, 200, true);
            attempts.add(attempt);
            batch.add(new WalEntry(key, attempt.header(), attempt.content()));
        }
        List<EntryRef> refs = wal.appendBatch(batch, true);
        for (int i = 0; i < refs.size(); i++) {
            ledger.acknowledge(attempts.get(i).id(), refs.get(i));
        }
        ledger.append(wal, "b", 5000, false);
        wal.close();
        ledger.allAcknowledgedAreDurable();
    }

    @Test
    void everyDurableEntrySurvivesACrashAtEveryStep() throws IOException {
        Path template = root.resolve("template");
        prepared = prepare(template);
        Path countDir = WalCopies.copy(template, root.resolve("count"));
        MutableClock countClock = MutableClock.startingAt(START);
        CrashStorage counting = new CrashStorage(countDir, 0, Mode.POWER_LOSS, null, () -> { });
        Ledger full = prepared.copy();
        try (Wal wal = Wal.open(countDir, options(countClock), counting)) {
            scenario(wal, full, countClock);
        }
        List<String> steps = counting.steps();
        assertThat(steps).as("steps of the scenario").hasSizeGreaterThan(40);

        int crashes = 0;
        for (Mode mode : Mode.values()) {
            for (int n = 1; n <= steps.size() + 1; n++) {
                crashAt(template, n, mode, steps);
                crashes++;
            }
        }
        System.out.println("[CrashSimulationTest] " + steps.size() + " steps x " + Mode.values().length + " crash kinds = "
                + crashes + " crashes, " + opened + " recoveries, " + checked + " durable entries checked; 0 lost");
    }

    private void crashAt(Path template, int n, Mode mode, List<String> steps) throws IOException {
        Path work = WalCopies.copy(template, root.resolve("run-" + mode + "-" + n));
        Path crashed = root.resolve("crashed-" + mode + "-" + n);
        Ledger ledger = prepared.copy();
        MutableClock clock = MutableClock.startingAt(START);
        Set<Long> durableAtCrash = new HashSet<>();
        long[] clockAtCrash = new long[1];
        CrashStorage storage = new CrashStorage(work, n, mode, crashed, () -> {
            durableAtCrash.addAll(ledger.durableIds());
            clockAtCrash[0] = clock.millis();
        });
        String where = "crash (" + mode + ") before step " + n
                + (n <= steps.size() ? " '" + steps.get(n - 1) + "'" : " (after the end)");
        storage.runUntilCrash(work, options(clock), wal -> scenario(wal, ledger, clock), where);
        if (!storage.crashed()) {
            return;
        }
        Ledger oracle = ledger.durableOnly(durableAtCrash);
        MutableClock after = new MutableClock(java.time.Instant.ofEpochMilli(clockAtCrash[0]));
        try {
            oracle.checkRecoveryOf(crashed, options(after), List.of("a", "b", "c", "d"));
            opened++;
            checked += durableAtCrash.size();
            try (Wal again = Wal.open(crashed, options(after))) {
                oracle.checkAll(again, true);
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("after a " + where + ": " + e.getMessage(), e);
        }
        WalCopies.delete(work);
        WalCopies.delete(crashed);
    }
}
