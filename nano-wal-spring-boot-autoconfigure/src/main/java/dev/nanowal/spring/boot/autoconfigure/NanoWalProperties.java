package dev.nanowal.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import dev.nanowal.WalOptions;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the auto-configured nano-wal {@code Wal}, prefix {@code nanowal}.
 *
 * <p>A bad value stops start-up, before any file is touched, with a message that names the {@code nanowal.*}
 * property, where it was set and the allowed range. The ranges of the WAL options are the core's own
 * ({@link WalOptions.Builder} checks them, in {@link #toWalOptions(Clock)}); this class only says which property a
 * failure belongs to.
 *
 * @param enabled Whether to auto-configure a nano-wal Wal bean.
 * @param directory Directory holding the segment files. A relative path is resolved against the working
 *     directory; the absolute path is logged at start-up.
 * @param entryRetention How long an entry is kept at least. Compaction deletes it within one more time slice
 *     (entry-retention / segments-per-retention-period).
 * @param segmentsPerRetentionPeriod Number of time slices the retention is cut into, from 1 to 100000. A segment
 *     takes appends for one slice.
 * @param maxSegmentSize Size at which a segment file rotates, from 4KB to 1TB.
 * @param maxOpenFiles Maximum number of segment files kept open at once, at least 4. Idle ones are closed first.
 * @param writeBufferSize Bytes buffered in memory per active segment before they are written to the file, from 0
 *     to 16MB. 0 hands every append to the operating system at once.
 * @param syncThreads Number of fsyncs, one per key, that a sync of every key (and the close at shutdown) runs at
 *     once, from 1 to 256. 1 runs them one after another on the calling thread.
 * @param backgroundSyncSize Bytes of a segment written to the operating system and not yet fsynced after which a
 *     background thread fsyncs them, 0 or from 64KB to 1TB. 0 leaves them to the kernel until the next sync. Bounds
 *     how long a sync or the close at shutdown takes after a burst of buffered appends; promises nothing itself.
 * @param repairCorruptTail Whether opening may cut corruption found in the middle of a key's last segment,
 *     keeping the cut bytes in a .broken file. When false, such a WAL fails to open.
 * @param compaction Scheduled compaction.
 * @param health Thresholds of the nanowal health indicator.
 * @param journal The shared commit journal that makes durable appends of every key durable with one fsync.
 */
@ConfigurationProperties("nanowal")
public record NanoWalProperties(@DefaultValue("true") boolean enabled,
        @DefaultValue("nanowal-data") Path directory,
        @DefaultValue("7d") Duration entryRetention,
        @DefaultValue("10") int segmentsPerRetentionPeriod,
        @DefaultValue("64MB") DataSize maxSegmentSize,
        @DefaultValue("1024") int maxOpenFiles,
        @DefaultValue("64KB") DataSize writeBufferSize,
        @DefaultValue("16") int syncThreads,
        @DefaultValue("4MB") DataSize backgroundSyncSize,
        @DefaultValue("false") boolean repairCorruptTail,
        @DefaultValue Compaction compaction,
        @DefaultValue Health health,
        @DefaultValue Journal journal) {

    /**
     * The core options these properties describe.
     *
     * @param clock the clock that stamps entries and drives retention
     * @return the options
     * @throws InvalidConfigurationPropertyValueException naming the property whose value the core rejected
     */
    public WalOptions toWalOptions(Clock clock) {
        WalOptions.Builder builder = WalOptions.builder().clock(clock).repairCorruptTail(repairCorruptTail);
        PropertyValues.set("nanowal.entry-retention", entryRetention, builder::entryRetention);
        PropertyValues.set("nanowal.segments-per-retention-period", segmentsPerRetentionPeriod,
                builder::segmentsPerRetentionPeriod);
        PropertyValues.set("nanowal.max-segment-size", maxSegmentSize,
                (size) -> builder.maxSegmentSize(size.toBytes()));
        PropertyValues.set("nanowal.max-open-files", maxOpenFiles, builder::maxOpenFiles);
        PropertyValues.set("nanowal.write-buffer-size", writeBufferSize,
                (size) -> builder.writeBufferSize(saturatedInt(size.toBytes())));
        PropertyValues.set("nanowal.sync-threads", syncThreads, builder::syncThreads);
        PropertyValues.set("nanowal.background-sync-size", backgroundSyncSize,
                (size) -> builder.backgroundSyncSize(size.toBytes()));
        builder.journal(journal.enabled());
        PropertyValues.set("nanowal.journal.file-size", journal.fileSize(),
                (size) -> builder.journalFileSize(size.toBytes()));
        PropertyValues.set("nanowal.journal.checkpoint-interval", journal.checkpointInterval(),
                builder::checkpointInterval);
        try {
            return builder.build();
        }
        catch (IllegalArgumentException ex) {
            // The only check left is the combination: one time slice must be at least 1 ms.
            throw new InvalidConfigurationPropertyValueException("nanowal.segments-per-retention-period",
                    segmentsPerRetentionPeriod, ex.getMessage());
        }
    }

    /** Lets the core report an oversized buffer with its range instead of an int overflow. */
    private static int saturatedInt(long value) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
    }

    /**
     * Scheduled compaction, which deletes segments whose entries are all past the retention.
     *
     * @param enabled Whether to compact on a schedule. The nanowal Actuator endpoint can compact on demand
     *     either way.
     * @param interval Delay after start-up, and between the end of one compaction and the start of the next.
     *     Must be positive.
     */
    public record Compaction(@DefaultValue("true") boolean enabled, @DefaultValue("5m") Duration interval) {

        public Compaction {
            requirePositive("nanowal.compaction.interval", interval);
        }
    }

    /**
     * Thresholds of the nanowal health indicator.
     *
     * @param minFreeDisk Free space on the WAL directory's file store below which the nanowal health is DOWN.
     *     Zero or more.
     * @param maxFsyncLatency The 99th percentile of fsync latency (segment fsyncs and journal commits, over
     *     fsync-latency-window) above which the nanowal health is DEGRADED: the WAL works, durable appends are slow.
     *     Must be positive. The default is ten times etcd's 10ms guidance for its WAL's fsync p99: a disk that slow
     *     stalls every durable append.
     * @param fsyncLatencyWindow How far back the fsyncs that max-fsync-latency judges go. Must be positive.
     */
    public record Health(@DefaultValue("100MB") DataSize minFreeDisk, @DefaultValue("100ms") Duration maxFsyncLatency,
            @DefaultValue("1m") Duration fsyncLatencyWindow) {

        public Health {
            if (minFreeDisk == null || minFreeDisk.isNegative()) {
                throw new InvalidConfigurationPropertyValueException("nanowal.health.min-free-disk", minFreeDisk,
                        "must be zero or positive");
            }
            requirePositive("nanowal.health.max-fsync-latency", maxFsyncLatency);
            requirePositive("nanowal.health.fsync-latency-window", fsyncLatencyWindow);
        }
    }

    private static void requirePositive(String property, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new InvalidConfigurationPropertyValueException(property, value, "must be positive");
        }
    }

    /**
     * The shared commit journal (see the core's FORMAT.md, "The commit journal").
     *
     * @param enabled Whether durable appends go through the shared journal: one write and one fdatasync for the
     *     durable appends of every key that arrived meanwhile. When false, each durable append fsyncs its own
     *     key's segment file.
     * @param fileSize Size of one journal file, from 1MB to 1GB. A checkpoint starts when one is half full, so this
     *     bounds what opening replays after a crash.
     * @param checkpointInterval Time between background checkpoints while the journal holds anything: each fsyncs
     *     the segments written since the last one and retires the journal files they cover. At least 1ms.
     */
    public record Journal(@DefaultValue("true") boolean enabled, @DefaultValue("64MB") DataSize fileSize,
            @DefaultValue("10s") Duration checkpointInterval) {
    }
}
