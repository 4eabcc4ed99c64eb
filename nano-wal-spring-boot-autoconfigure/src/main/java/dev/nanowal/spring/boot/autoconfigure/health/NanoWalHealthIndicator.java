package dev.nanowal.spring.boot.autoconfigure.health;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nanowal.CompactionResult;
import dev.nanowal.DiskState;
import dev.nanowal.FsyncLatency;
import dev.nanowal.Wal;
import dev.nanowal.WalDamage;
import dev.nanowal.WalStats;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.unit.DataSize;

/**
 * Health of a nano-wal {@link Wal}: UP while it is open, its disk is writable ({@link Wal#diskState()}), its
 * directory is writable, its last write succeeded and its file store has at least the configured free space; DOWN
 * with the reasons otherwise ("disk full" while appends are refused for want of space). {@link #DAMAGED} when all
 * of that holds but opening found damage ({@link Wal#damage()}, each file named with its key under {@code damage}).
 * {@link #DEGRADED} when all of that holds but the fsync p99 over the window exceeds the threshold: the WAL works,
 * durable appends are slow.
 */
public final class NanoWalHealthIndicator extends AbstractHealthIndicator {

    /**
     * Opening found damage and isolated it: the damaged segments are kept as they are, their intact entries read,
     * their keys continue in new segments and every other key works. Like {@link #DEGRADED}, not in Spring Boot's
     * default status order (the overall health ignores it unless {@code management.endpoint.health.status.order}
     * lists it) and HTTP 200 by default: one damaged key must not take the instance out.
     */
    public static final Status DAMAGED = new Status("DAMAGED",
            "Damaged files were isolated: their intact entries read, their keys continue in new segments");

    /**
     * The WAL works but its disk is slow. Not in Spring Boot's default status order, so the overall health ignores
     * it unless {@code management.endpoint.health.status.order} lists it, and mapped to HTTP 200 by default: a slow
     * disk is no reason for a load balancer to take the instance out.
     */
    public static final Status DEGRADED = new Status("DEGRADED", "fsync latency is above the threshold");

    private static final Duration DEFAULT_MAX_FSYNC_LATENCY = Duration.ofMillis(100);

    private static final Duration DEFAULT_FSYNC_LATENCY_WINDOW = Duration.ofMinutes(1);

    private final Wal wal;

    private final DataSize minFreeDisk;

    private final Duration maxFsyncLatency;

    private final Duration fsyncLatencyWindow;

    /**
     * A health indicator with the default fsync latency threshold (100ms over the last minute).
     * @param wal the WAL
     * @param minFreeDisk the free space below which the health is DOWN
     */
    public NanoWalHealthIndicator(Wal wal, DataSize minFreeDisk) {
        this(wal, minFreeDisk, DEFAULT_MAX_FSYNC_LATENCY, DEFAULT_FSYNC_LATENCY_WINDOW);
    }

    /**
     * A health indicator.
     * @param wal the WAL
     * @param minFreeDisk the free space below which the health is DOWN
     * @param maxFsyncLatency the fsync p99 above which the health is {@link #DEGRADED}
     * @param fsyncLatencyWindow how far back the fsyncs judged go
     */
    public NanoWalHealthIndicator(Wal wal, DataSize minFreeDisk, Duration maxFsyncLatency,
            Duration fsyncLatencyWindow) {
        super("nano-wal health check failed");
        this.wal = wal;
        this.minFreeDisk = minFreeDisk;
        this.maxFsyncLatency = maxFsyncLatency;
        this.fsyncLatencyWindow = fsyncLatencyWindow;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        Path directory = this.wal.directory();
        builder.withDetail("directory", directory.toString());
        if (!this.wal.isOpen()) {
            builder.down().withDetail("problems", List.of("the WAL is closed"));
            return;
        }
        WalStats stats = this.wal.stats();
        DiskState diskState = this.wal.diskState();
        FsyncLatency fsyncs = this.wal.fsyncLatency(this.fsyncLatencyWindow);
        long freeDisk = Files.getFileStore(directory).getUsableSpace();
        builder.withDetail("keys", stats.keys())
            .withDetail("segments", stats.segments())
            .withDetail("bytesOnDisk", stats.bytesOnDisk())
            .withDetail("freeDisk", freeDisk)
            .withDetail("minFreeDisk", this.minFreeDisk.toBytes())
            .withDetail("diskState", diskState.name())
            .withDetail("fsyncLatency", describe(fsyncs));
        this.wal.lastCompaction().ifPresent((result) -> builder.withDetail("lastCompaction", describe(result)));
        List<String> problems = new ArrayList<>();
        if (diskState == DiskState.DISK_FULL) {
            problems.add("disk full: appends are refused until space is freed (compaction still runs)");
        }
        else if (diskState == DiskState.FAILING) {
            problems.add("disk failing: writes or fsyncs fail with I/O errors, durable appends are refused");
        }
        this.wal.lastWriteFailure().ifPresent((failure) -> problems.add("last write failed: " + failure.getMessage()));
        if (!Files.isWritable(directory)) {
            problems.add("directory is not writable");
        }
        if (freeDisk < this.minFreeDisk.toBytes()) {
            problems.add("free disk space " + freeDisk + " bytes is below the threshold of "
                    + this.minFreeDisk.toBytes() + " bytes (nanowal.health.min-free-disk)");
        }
        boolean failing = !problems.isEmpty();
        List<WalDamage> damage = this.wal.damage();
        if (!damage.isEmpty()) {
            builder.withDetail("damage", damage.stream().map(NanoWalHealthIndicator::describe).toList());
            damage.forEach((found) -> problems.add(problem(found)));
        }
        boolean slow = fsyncs.p99().compareTo(this.maxFsyncLatency) > 0;
        if (slow && !failing) {
            problems.add("fsync p99 " + fsyncs.p99().toMillis() + "ms over the last " + this.fsyncLatencyWindow
                    + " is above " + this.maxFsyncLatency.toMillis() + "ms (nanowal.health.max-fsync-latency)");
        }
        if (failing) {
            builder.down().withDetail("problems", problems);
        }
        else if (!damage.isEmpty()) {
            builder.status(DAMAGED).withDetail("problems", problems);
        }
        else if (slow) {
            builder.status(DEGRADED).withDetail("problems", problems);
        }
        else {
            builder.up();
        }
    }

    private static String problem(WalDamage damage) {
        String whose = (damage.key() != null) ? "key '" + damage.key() + "': "
                : (damage.keyHash() != 0) ? "key hash " + Long.toHexString(damage.keyHash()) + ": " : "";
        return whose + "damaged file " + damage.file() + " at offset " + damage.offset() + " (isolated; the other "
                + "keys are unaffected)";
    }

    private static Map<String, Object> describe(WalDamage damage) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("file", damage.file().toString());
        if (damage.key() != null) {
            details.put("key", damage.key());
        }
        details.put("offset", damage.offset());
        details.put("problem", damage.problem());
        details.put("readableEntries", damage.readableEntries());
        return details;
    }

    private Map<String, Object> describe(FsyncLatency fsyncs) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("window", fsyncs.window().toString());
        details.put("fsyncs", fsyncs.fsyncs());
        details.put("p99Millis", fsyncs.p99().toNanos() / 1e6);
        details.put("maxMillis", fsyncs.max().toNanos() / 1e6);
        details.put("thresholdMillis", this.maxFsyncLatency.toNanos() / 1e6);
        return details;
    }

    private static Map<String, Object> describe(CompactionResult result) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("startedAt", result.startedAt().toString());
        details.put("segmentsDeleted", result.segmentsDeleted());
        details.put("bytesDeleted", result.bytesDeleted());
        return details;
    }
}
