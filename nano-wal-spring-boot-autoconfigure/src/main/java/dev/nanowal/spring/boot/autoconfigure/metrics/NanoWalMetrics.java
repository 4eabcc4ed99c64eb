package dev.nanowal.spring.boot.autoconfigure.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import dev.nanowal.DiskState;
import dev.nanowal.JournalStats;
import dev.nanowal.Wal;
import dev.nanowal.WalClosedException;
import dev.nanowal.WalListener;
import dev.nanowal.WalStats;
import dev.nanowal.spring.boot.autoconfigure.NanoWalCompactor;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of a nano-wal {@link Wal}, all named {@code nanowal.*}.
 *
 * <p>Counters and gauges read {@link Wal#stats()} when the registry polls them, so they cost nothing on the write
 * path. The fsync timer and the group-commit size are recorded by a {@link WalListener}, because only the event
 * carries a latency and a batch size. The fsync timer publishes a histogram (aggregatable across instances) and
 * leaves percentiles to the registry's configuration
 * ({@code management.metrics.distribution.percentiles.nanowal.fsync=0.5,0.99}). {@link #close()} removes those
 * listeners.
 */
public final class NanoWalMetrics implements MeterBinder, AutoCloseable {

    private static final double[] GROUP_COMMIT_BUCKETS = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };

    private final Wal wal;

    private final NanoWalCompactor compactor;

    private final List<Runnable> listenerRemovals = new CopyOnWriteArrayList<>();

    public NanoWalMetrics(Wal wal, NanoWalCompactor compactor) {
        this.wal = wal;
        this.compactor = compactor;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags durable = Tags.of("durable", "true");
        Tags notDurable = Tags.of("durable", "false");
        counter(registry, "nanowal.appends", null, "Entries appended", durable, WalStats::durableAppends);
        counter(registry, "nanowal.appends", null, "Entries appended", notDurable,
                (stats) -> stats.appends() - stats.durableAppends());
        counter(registry, "nanowal.appended", BaseUnits.BYTES, "Header and content bytes appended", durable,
                WalStats::durableAppendedBytes);
        counter(registry, "nanowal.appended", BaseUnits.BYTES, "Header and content bytes appended", notDurable,
                (stats) -> stats.appendedBytes() - stats.durableAppendedBytes());
        counter(registry, "nanowal.reads", null, "Entries read, by reference and by enumeration", Tags.empty(),
                WalStats::reads);
        counter(registry, "nanowal.compactions", null, "Compactions that completed", Tags.empty(),
                WalStats::compactions);
        counter(registry, "nanowal.compaction.segments.deleted", null, "Segment files deleted by compaction",
                Tags.empty(), WalStats::segmentsDeleted);
        counter(registry, "nanowal.recovery.truncated", BaseUnits.BYTES,
                "Bytes cut from torn segment tails when the WAL was opened", Tags.empty(),
                WalStats::bytesTruncatedAtRecovery);
        counter(registry, "nanowal.corruptions", null, "Checksum or framing failures detected", Tags.empty(),
                WalStats::corruptionsDetected);
        counter(registry, "nanowal.write.failures", null, "Appends, syncs or rotations that failed with an I/O error",
                Tags.empty(), WalStats::writeFailures);
        FunctionCounter.builder("nanowal.compaction.failures", this.compactor, NanoWalCompactor::failures)
            .description("Compactions that failed")
            .register(registry);

        gauge(registry, "nanowal.keys", null, "Keys that have entries", WalStats::keys);
        gauge(registry, "nanowal.segments", null, "Segment files", WalStats::segments);
        gauge(registry, "nanowal.disk.used", BaseUnits.BYTES, "Total size of the segment files", WalStats::bytesOnDisk);
        gauge(registry, "nanowal.files.open", BaseUnits.FILES, "Segment files open right now", WalStats::openFiles);
        for (DiskState state : DiskState.values()) {
            Gauge.builder("nanowal.disk.state", this.wal, (wal) -> diskStateIs(wal, state))
                .description("1 for the state the WAL's disk is in (appends are refused unless writable), 0 otherwise")
                .tags("state", state.name().toLowerCase(Locale.ROOT))
                .register(registry);
        }

        Timer fsync = fsyncTimer(registry, "nanowal.fsync", "Time to force a segment file to disk");
        DistributionSummary groupCommit = batchSummary(registry, "nanowal.group.commit.size",
                "Durable appends or syncs made durable by one fsync", BaseUnits.OPERATIONS);
        this.listenerRemovals.add(this.wal.addListener(new WalListener() {

            @Override
            public void onSync(Duration duration, int waiters) {
                fsync.record(duration);
                groupCommit.record(waiters);
            }

        }));
        bindJournal(registry);
        Gauge.builder("nanowal.damaged", this.wal, (wal) -> wal.isOpen() ? wal.damage().size() : 0)
            .description("Files opening found damaged and isolated (Wal.damage()): alert when above 0")
            .baseUnit("files")
            .register(registry);
    }

    /** The commit journal: its commits (the fsyncs durable appends wait for), checkpoints and the replay at open. */
    private void bindJournal(MeterRegistry registry) {
        Timer commit = fsyncTimer(registry, "nanowal.journal.commit",
                "Time of one commit of the shared journal: one write and one fdatasync");
        DistributionSummary entries = batchSummary(registry, "nanowal.journal.commit.entries",
                "Durable entries made durable by one journal commit", BaseUnits.OPERATIONS);
        DistributionSummary keys = batchSummary(registry, "nanowal.journal.commit.keys",
                "Keys whose durable entries one journal commit covered", null);
        Timer checkpoint = Timer.builder("nanowal.journal.checkpoint")
            .description("Time of one checkpoint: segments fsynced, covered journal files retired")
            .publishPercentileHistogram()
            .register(registry);
        FunctionCounter.builder("nanowal.journal.written", this.wal, (wal) -> journal(wal, JournalStats::bytes))
            .description("Bytes written to the commit journal")
            .baseUnit(BaseUnits.BYTES)
            .register(registry);
        Gauge.builder("nanowal.journal.replayed", this.wal, (wal) -> journal(wal, JournalStats::replayedBytes))
            .description("Bytes the journal wrote back into segments when the WAL was opened")
            .baseUnit(BaseUnits.BYTES)
            .register(registry);
        TimeGauge.builder("nanowal.journal.replay.time", this.wal, TimeUnit.NANOSECONDS,
                (wal) -> journal(wal, (stats) -> stats.replayTime().toNanos()))
            .description("How long replaying the journal took when the WAL was opened")
            .register(registry);
        this.listenerRemovals.add(this.wal.addListener(new WalListener() {

            @Override
            public void onJournalCommit(Duration duration, int entryCount, int keyCount) {
                commit.record(duration);
                entries.record(entryCount);
                keys.record(keyCount);
            }

            @Override
            public void onCheckpoint(Duration duration, int segments) {
                checkpoint.record(duration);
            }

        }));
    }

    private static Timer fsyncTimer(MeterRegistry registry, String name, String description) {
        return Timer.builder(name)
            .description(description)
            .publishPercentileHistogram()
            // Micrometer's default floor is 1 ms, but an fsync on a good SSD takes a fraction of that.
            .minimumExpectedValue(Duration.ofNanos(20_000))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    }

    private static DistributionSummary batchSummary(MeterRegistry registry, String name, String description,
            String baseUnit) {
        return DistributionSummary.builder(name)
            .description(description)
            .baseUnit(baseUnit)
            .serviceLevelObjectives(GROUP_COMMIT_BUCKETS)
            .register(registry);
    }

    private static double diskStateIs(Wal wal, DiskState state) {
        if (!wal.isOpen()) {
            return Double.NaN;
        }
        try {
            return (wal.diskState() == state) ? 1 : 0;
        }
        catch (WalClosedException ex) {
            return Double.NaN;
        }
    }

    private static double journal(Wal wal, ToDoubleFunction<JournalStats> value) {
        return wal.isOpen() ? value.applyAsDouble(wal.journalStats()) : Double.NaN;
    }

    private void counter(MeterRegistry registry, String name, String baseUnit, String description, Tags tags,
            ToDoubleFunction<WalStats> value) {
        FunctionCounter.builder(name, this, (metrics) -> metrics.read(value))
            .description(description)
            .baseUnit(baseUnit)
            .tags(tags)
            .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String baseUnit, String description,
            ToDoubleFunction<WalStats> value) {
        Gauge.builder(name, this, (metrics) -> metrics.read(value))
            .description(description)
            .baseUnit(baseUnit)
            .register(registry);
    }

    /** NaN once the WAL is closed: Micrometer then reports no value instead of logging a failure per poll. */
    private double read(ToDoubleFunction<WalStats> value) {
        if (!this.wal.isOpen()) {
            return Double.NaN;
        }
        try {
            return value.applyAsDouble(this.wal.stats());
        }
        catch (WalClosedException ex) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        this.listenerRemovals.forEach(Runnable::run);
        this.listenerRemovals.clear();
    }
}
