package dev.nanowal;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Wal} rotates, retains and buffers. Immutable; build with {@link #builder()} or take
 * {@link #defaults()}. Every value is checked when built, so a bad option fails before any file is touched.
 */
public final class WalOptions {

    /** Default retention: 7 days. */
    public static final Duration DEFAULT_ENTRY_RETENTION = Duration.ofDays(7);
    /** Default number of segments (time slices) per retention period: 10. */
    public static final int DEFAULT_SEGMENTS_PER_RETENTION_PERIOD = 10;
    /** Default size at which a segment rotates: 64 MiB. */
    public static final long DEFAULT_MAX_SEGMENT_SIZE = 64L * 1024 * 1024;
    /**
     * Default cap on open segment files: 1,024, so that a thousand keys written round robin keep their files
     * (and their write buffers: up to 64 MiB at the default buffer size) instead of reopening one per append.
     */
    public static final int DEFAULT_MAX_OPEN_FILES = 1024;
    /** Default write buffer per active segment: 64 KiB. */
    public static final int DEFAULT_WRITE_BUFFER_SIZE = 64 * 1024;
    /**
     * Default number of fsyncs that {@link Wal#sync()} and {@link Wal#close()} run at once, one per key: 16.
     * A device works on several flushes at a time; with 1,000 keys, 16 at once took a third of the time of
     * one after another on the benchmark machine.
     */
    public static final int DEFAULT_SYNC_THREADS = 16;

    /**
     * Default size of one commit journal file: 64 MiB. A checkpoint runs at the latest when one fills, so this
     * bounds what opening replays after a crash, and with the default interval it is rarely reached.
     */
    public static final long DEFAULT_JOURNAL_FILE_SIZE = 64L * 1024 * 1024;
    /**
     * Default time between checkpoints while durable appends arrive: 10 s. Each fsyncs every segment written since
     * the last one; with 1,000 keys that is 1,000 fsyncs, a small share of a disk's budget every 10 s.
     */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    /**
     * Default for {@link #backgroundSyncSize()}: 4 MiB. Written in 64 KiB windows, that is one background fsync per 64
     * writes of a busy key, and a {@code sync()} after a burst waits for at most about 4 MiB of a key's data to
     * reach the device instead of all of it (see benchmarks/RESULTS.md, session 10).
     */
    public static final long DEFAULT_BACKGROUND_SYNC_SIZE = 4L * 1024 * 1024;
    /** The smallest {@link #backgroundSyncSize()} accepted, but for 0 (off): 64 KiB. */
    public static final long MIN_BACKGROUND_SYNC_SIZE = 64 * 1024;
    /** The smallest journal file accepted: 1 MiB. */
    public static final long MIN_JOURNAL_FILE_SIZE = 1024 * 1024;
    /** The largest journal file accepted: 1 GiB. */
    public static final long MAX_JOURNAL_FILE_SIZE = 1024L * 1024 * 1024;

    /** The smallest segment size accepted: 4 KiB. */
    public static final long MIN_SEGMENT_SIZE = 4096;
    /** The largest segment size accepted: 1 TiB. */
    public static final long MAX_SEGMENT_SIZE = 1L << 40;
    /** The smallest cap on open files accepted: 4. */
    public static final int MIN_OPEN_FILES = 4;
    /** The largest write buffer accepted: 16 MiB. */
    public static final int MAX_WRITE_BUFFER_SIZE = 16 * 1024 * 1024;
    /** The most sync threads accepted: 256. */
    public static final int MAX_SYNC_THREADS = 256;

    private final Duration entryRetention;
    private final int segmentsPerRetentionPeriod;
    private final long maxSegmentSize;
    private final int maxOpenFiles;
    private final int writeBufferSize;
    private final int syncThreads;
    private final long backgroundSyncSize;
    private final boolean repairCorruptTail;
    private final boolean journal;
    private final long journalFileSize;
    private final Duration checkpointInterval;
    private final Clock clock;

    private WalOptions(Builder builder) {
        this.journal = builder.journal;
        this.journalFileSize = builder.journalFileSize;
        this.checkpointInterval = builder.checkpointInterval;
        this.entryRetention = builder.entryRetention;
        this.segmentsPerRetentionPeriod = builder.segmentsPerRetentionPeriod;
        this.maxSegmentSize = builder.maxSegmentSize;
        this.maxOpenFiles = builder.maxOpenFiles;
        this.writeBufferSize = builder.writeBufferSize;
        this.syncThreads = builder.syncThreads;
        this.backgroundSyncSize = builder.backgroundSyncSize;
        this.repairCorruptTail = builder.repairCorruptTail;
        this.clock = builder.clock;
    }

    /**
     * Retention 7 days, 10 segments per retention period, 64 MiB segments, 1,024 open files, 64 KiB buffers,
     * 16 sync threads.
     */
    public static WalOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder().entryRetention(entryRetention)
                .segmentsPerRetentionPeriod(segmentsPerRetentionPeriod)
                .maxSegmentSize(maxSegmentSize)
                .maxOpenFiles(maxOpenFiles)
                .writeBufferSize(writeBufferSize)
                .syncThreads(syncThreads)
                .backgroundSyncSize(backgroundSyncSize)
                .repairCorruptTail(repairCorruptTail)
                .journal(journal)
                .journalFileSize(journalFileSize)
                .checkpointInterval(checkpointInterval)
                .clock(clock);
    }

    /** How long an entry is kept at least; {@link Wal#compact()} deletes it within one more time slice. */
    public Duration entryRetention() {
        return entryRetention;
    }

    /** Into how many time slices the retention is cut; a segment takes appends for one slice. */
    public int segmentsPerRetentionPeriod() {
        return segmentsPerRetentionPeriod;
    }

    /** The length of one time slice: retention / segments per retention period. */
    public Duration sliceDuration() {
        return entryRetention.dividedBy(segmentsPerRetentionPeriod);
    }

    /** The size in bytes at which a segment rotates (an entry larger than this gets a segment of its own). */
    public long maxSegmentSize() {
        return maxSegmentSize;
    }

    /** The most segment files kept open at once; idle ones are closed first. */
    public int maxOpenFiles() {
        return maxOpenFiles;
    }

    /**
     * Bytes buffered in memory per active segment before they are written to the file (at least 64 KiB are
     * allocated, and an eighth more, so that a full buffer is written in whole 32 KiB windows of the file). 0
     * writes every append straight to the operating system, so non-durable appends survive a crash of the
     * process (not of the machine).
     */
    public int writeBufferSize() {
        return writeBufferSize;
    }

    /**
     * How many fsyncs a sync of every key ({@link Wal#sync()}, {@link Wal#close()}) runs at once, each for one
     * key's segment; 1 runs them one after another on the calling thread. The calling thread takes part; the
     * others are started when a sync has more than one key, and end after 10 s without work. At most
     * {@code maxOpenFiles / 8} run at once, so that the files they hold open stay within {@link #maxOpenFiles()}.
     */
    public int syncThreads() {
        return syncThreads;
    }

    /**
     * How many bytes of a segment may be written to the operating system and not yet fsynced before a background
     * thread fsyncs them; 0 leaves them to the kernel's writeback until the next sync. The appending thread does not
     * wait: one background fsync at a time per WAL, the write buffer is not flushed for it, and nothing is promised
     * by it (buffered appends are still durable only after {@link Wal#sync()}). What it buys is a bounded
     * {@code sync()} and {@code close()} after a burst of buffered appends, since the device writes the data while
     * the appends go on instead of all at the end, and steady writeback instead of the kernel's bursts. RocksDB's
     * {@code bytes_per_sync} does the same with {@code sync_file_range}.
     */
    public long backgroundSyncSize() {
        return backgroundSyncSize;
    }

    /**
     * Whether opening may cut corruption found in the middle of a key's last segment (valid entries after a
     * bad one). The cut bytes are kept in a {@code .broken} file beside the segment. Off by default: such a
     * WAL then fails to open with a {@link WalCorruptionException} naming the file and offset.
     */
    public boolean repairCorruptTail() {
        return repairCorruptTail;
    }

    /**
     * Whether durable appends go through the shared commit journal (the default): one write and one fdatasync of
     * the journal make the durable appends of every key that arrived meanwhile durable, and a checkpoint fsyncs
     * the segments later. Off, each durable append fsyncs its own key's segment file, and concurrent durable
     * appends share fsyncs only within one key; a directory written with the journal opens either way.
     */
    public boolean journal() {
        return journal;
    }

    /** The size at which the journal moves on to its next file and asks for a checkpoint. */
    public long journalFileSize() {
        return journalFileSize;
    }

    /** How often a checkpoint runs in the background while the journal holds anything. */
    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    /** The clock that stamps entries and drives rotation and retention. */
    public Clock clock() {
        return clock;
    }

    @Override
    public String toString() {
        return "WalOptions[entryRetention=" + entryRetention + ", segmentsPerRetentionPeriod="
                + segmentsPerRetentionPeriod + ", maxSegmentSize=" + maxSegmentSize + ", maxOpenFiles="
                + maxOpenFiles + ", writeBufferSize=" + writeBufferSize + ", syncThreads=" + syncThreads
                + ", backgroundSyncSize=" + backgroundSyncSize
                + ", repairCorruptTail=" + repairCorruptTail + ", journal=" + journal + ", journalFileSize="
                + journalFileSize + ", checkpointInterval=" + checkpointInterval + ", clock=" + clock + "]";
    }

    /** Builds {@link WalOptions}; every setter checks its value and names the allowed range. */
    public static final class Builder {

        private Duration entryRetention = DEFAULT_ENTRY_RETENTION;
        private int segmentsPerRetentionPeriod = DEFAULT_SEGMENTS_PER_RETENTION_PERIOD;
        private long maxSegmentSize = DEFAULT_MAX_SEGMENT_SIZE;
        private int maxOpenFiles = DEFAULT_MAX_OPEN_FILES;
        private int writeBufferSize = DEFAULT_WRITE_BUFFER_SIZE;
        private int syncThreads = DEFAULT_SYNC_THREADS;
        private long backgroundSyncSize = DEFAULT_BACKGROUND_SYNC_SIZE;
        private boolean repairCorruptTail;
        private boolean journal = true;
        private long journalFileSize = DEFAULT_JOURNAL_FILE_SIZE;
        private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        public Builder entryRetention(Duration entryRetention) {
            Objects.requireNonNull(entryRetention, "entryRetention must not be null");
            if (entryRetention.isNegative() || entryRetention.isZero()) {
                throw new IllegalArgumentException("entryRetention must be positive, was " + entryRetention);
            }
            if (entryRetention.toMillis() < 1) {
                throw new IllegalArgumentException("entryRetention must be at least 1 ms, was " + entryRetention);
            }
            this.entryRetention = entryRetention;
            return this;
        }

        public Builder segmentsPerRetentionPeriod(int segmentsPerRetentionPeriod) {
            if (segmentsPerRetentionPeriod < 1 || segmentsPerRetentionPeriod > 100_000) {
                throw new IllegalArgumentException("segmentsPerRetentionPeriod must be between 1 and 100000, was "
                        + segmentsPerRetentionPeriod);
            }
            this.segmentsPerRetentionPeriod = segmentsPerRetentionPeriod;
            return this;
        }

        public Builder maxSegmentSize(long maxSegmentSize) {
            if (maxSegmentSize < MIN_SEGMENT_SIZE || maxSegmentSize > MAX_SEGMENT_SIZE) {
                throw new IllegalArgumentException("maxSegmentSize must be between " + MIN_SEGMENT_SIZE + " and "
                        + MAX_SEGMENT_SIZE + " bytes, was " + maxSegmentSize);
            }
            this.maxSegmentSize = maxSegmentSize;
            return this;
        }

        public Builder maxOpenFiles(int maxOpenFiles) {
            if (maxOpenFiles < MIN_OPEN_FILES) {
                throw new IllegalArgumentException("maxOpenFiles must be at least " + MIN_OPEN_FILES + ", was "
                        + maxOpenFiles);
            }
            this.maxOpenFiles = maxOpenFiles;
            return this;
        }

        public Builder writeBufferSize(int writeBufferSize) {
            if (writeBufferSize < 0 || writeBufferSize > MAX_WRITE_BUFFER_SIZE) {
                throw new IllegalArgumentException("writeBufferSize must be between 0 and " + MAX_WRITE_BUFFER_SIZE
                        + " bytes, was " + writeBufferSize);
            }
            this.writeBufferSize = writeBufferSize;
            return this;
        }

        public Builder syncThreads(int syncThreads) {
            if (syncThreads < 1 || syncThreads > MAX_SYNC_THREADS) {
                throw new IllegalArgumentException("syncThreads must be between 1 and " + MAX_SYNC_THREADS + ", was "
                        + syncThreads);
            }
            this.syncThreads = syncThreads;
            return this;
        }

        public Builder backgroundSyncSize(long backgroundSyncSize) {
            if (backgroundSyncSize != 0
                    && (backgroundSyncSize < MIN_BACKGROUND_SYNC_SIZE || backgroundSyncSize > MAX_SEGMENT_SIZE)) {
                throw new IllegalArgumentException("backgroundSyncSize must be 0 (off) or between "
                        + MIN_BACKGROUND_SYNC_SIZE + " and " + MAX_SEGMENT_SIZE + " bytes, was " + backgroundSyncSize);
            }
            this.backgroundSyncSize = backgroundSyncSize;
            return this;
        }

        public Builder repairCorruptTail(boolean repairCorruptTail) {
            this.repairCorruptTail = repairCorruptTail;
            return this;
        }

        public Builder journal(boolean journal) {
            this.journal = journal;
            return this;
        }

        public Builder journalFileSize(long journalFileSize) {
            if (journalFileSize < MIN_JOURNAL_FILE_SIZE || journalFileSize > MAX_JOURNAL_FILE_SIZE) {
                throw new IllegalArgumentException("journalFileSize must be between " + MIN_JOURNAL_FILE_SIZE + " and "
                        + MAX_JOURNAL_FILE_SIZE + " bytes, was " + journalFileSize);
            }
            this.journalFileSize = journalFileSize;
            return this;
        }

        public Builder checkpointInterval(Duration checkpointInterval) {
            Objects.requireNonNull(checkpointInterval, "checkpointInterval must not be null");
            if (checkpointInterval.toMillis() < 1) {
                throw new IllegalArgumentException("checkpointInterval must be at least 1 ms, was " + checkpointInterval);
            }
            this.checkpointInterval = checkpointInterval;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /**
         * @throws IllegalArgumentException when the combination is unusable (a time slice under 1 ms)
         */
        public WalOptions build() {
            if (entryRetention.dividedBy(segmentsPerRetentionPeriod).toMillis() < 1) {
                throw new IllegalArgumentException("entryRetention / segmentsPerRetentionPeriod must be at least 1 ms, was "
                        + entryRetention + " / " + segmentsPerRetentionPeriod);
            }
            return new WalOptions(this);
        }
    }
}
