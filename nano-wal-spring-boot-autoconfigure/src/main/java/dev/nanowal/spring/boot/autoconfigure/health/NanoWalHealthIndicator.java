package dev.nanowal.spring.boot.autoconfigure.health;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nanowal.CompactionResult;
import dev.nanowal.Wal;
import dev.nanowal.WalStats;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.util.unit.DataSize;

/**
 * Health of a nano-wal {@link Wal}: UP while it is open, its directory is writable, its last write succeeded and
 * its file store has at least the configured free space; DOWN with the reasons otherwise.
 */
public final class NanoWalHealthIndicator extends AbstractHealthIndicator {

    private final Wal wal;

    private final DataSize minFreeDisk;

    public NanoWalHealthIndicator(Wal wal, DataSize minFreeDisk) {
        super("nano-wal health check failed");
        this.wal = wal;
        this.minFreeDisk = minFreeDisk;
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
        long freeDisk = Files.getFileStore(directory).getUsableSpace();
        builder.withDetail("keys", stats.keys())
            .withDetail("segments", stats.segments())
            .withDetail("bytesOnDisk", stats.bytesOnDisk())
            .withDetail("freeDisk", freeDisk)
            .withDetail("minFreeDisk", this.minFreeDisk.toBytes());
        this.wal.lastCompaction().ifPresent((result) -> builder.withDetail("lastCompaction", describe(result)));
        List<String> problems = new ArrayList<>();
        this.wal.lastWriteFailure().ifPresent((failure) -> problems.add("last write failed: " + failure.getMessage()));
        if (!Files.isWritable(directory)) {
            problems.add("directory is not writable");
        }
        if (freeDisk < this.minFreeDisk.toBytes()) {
            problems.add("free disk space " + freeDisk + " bytes is below the threshold of "
                    + this.minFreeDisk.toBytes() + " bytes (nanowal.health.min-free-disk)");
        }
        if (problems.isEmpty()) {
            builder.up();
        }
        else {
            builder.down().withDetail("problems", problems);
        }
    }

    private static Map<String, Object> describe(CompactionResult result) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("startedAt", result.startedAt().toString());
        details.put("segmentsDeleted", result.segmentsDeleted());
        details.put("bytesDeleted", result.bytesDeleted());
        return details;
    }
}
