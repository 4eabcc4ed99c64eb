package dev.nanowal.spring.boot.autoconfigure.endpoint;

import java.time.Instant;
import java.util.List;

import dev.nanowal.CompactionResult;
import dev.nanowal.KeyInfo;
import dev.nanowal.Wal;
import dev.nanowal.spring.boot.autoconfigure.NanoWalCompactor;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.Selector.Match;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code nanowal} Actuator endpoint: what the WAL holds per key, and compaction on demand. It describes
 * segments and entry times only; entry contents never leave through it.
 */
@Endpoint(id = "nanowal")
public final class NanoWalEndpoint {

    private final Wal wal;

    private final NanoWalCompactor compactor;

    public NanoWalEndpoint(Wal wal, NanoWalCompactor compactor) {
        this.wal = wal;
        this.compactor = compactor;
    }

    /** {@code GET /actuator/nanowal}: every key. */
    @ReadOperation
    public WalDescriptor keys() {
        List<KeyDescriptor> keys = this.wal.keyInfos().stream().map(KeyDescriptor::new).toList();
        return new WalDescriptor(this.wal.directory().toString(), keys);
    }

    /**
     * {@code GET /actuator/nanowal/{key}}: one key; 404 when it has no entries. The selector takes the rest of the
     * path so keys holding a {@code /} can be asked for too.
     */
    @ReadOperation
    public KeyDescriptor key(@Selector(match = Match.ALL_REMAINING) String[] key) {
        return this.wal.keyInfo(String.join("/", key)).map(KeyDescriptor::new).orElse(null);
    }

    /** {@code POST /actuator/nanowal}: compacts now and says what was deleted. */
    @WriteOperation
    public CompactionDescriptor compact() {
        return new CompactionDescriptor(this.compactor.compact());
    }

    /**
     * The WAL's keys.
     *
     * @param directory the WAL directory
     * @param keys one entry per key
     */
    public record WalDescriptor(String directory, List<KeyDescriptor> keys) {
    }

    /**
     * One key, without entry contents.
     *
     * @param key the key
     * @param keyHash the key hash carried by the key's entry references, in hex
     * @param segments segment files
     * @param entries entries in them
     * @param bytes their size on disk
     * @param oldestEntry when the oldest retained entry was written
     * @param newestEntry when the newest entry was written
     */
    public record KeyDescriptor(String key, String keyHash, int segments, long entries, long bytes,
            Instant oldestEntry, Instant newestEntry) {

        KeyDescriptor(KeyInfo info) {
            this(info.key(), Long.toHexString(info.keyHash()), info.segments(), info.entries(), info.bytes(),
                    info.oldestEntry(), info.newestEntry());
        }
    }

    /**
     * What a compaction removed.
     *
     * @param startedAt when it started, by the WAL's clock
     * @param segmentsDeleted segment files deleted
     * @param bytesDeleted their total size
     * @param deletedSegments each deleted segment
     */
    public record CompactionDescriptor(Instant startedAt, int segmentsDeleted, long bytesDeleted,
            List<CompactionResult.DeletedSegment> deletedSegments) {

        CompactionDescriptor(CompactionResult result) {
            this(result.startedAt(), result.segmentsDeleted(), result.bytesDeleted(), result.deletedSegments());
        }
    }
}
