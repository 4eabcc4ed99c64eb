package dev.nanowal.spring.boot.autoconfigure.endpoint;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.nanowal.CompactionResult;
import dev.nanowal.CursorInfo;
import dev.nanowal.KeyInfo;
import dev.nanowal.Wal;
import dev.nanowal.WalDamage;
import dev.nanowal.spring.boot.autoconfigure.NanoWalCompactor;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.Selector.Match;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code nanowal} Actuator endpoint: what the WAL holds per key, its cursors, and compaction on demand. It describes
 * segments and entry times only; entry contents never leave through it. Keys are listed a page at a time, so a WAL
 * of many keys never makes one huge response.
 */
@Endpoint(id = "nanowal")
public final class NanoWalEndpoint {

    /** Keys listed when the request names no limit. */
    public static final int DEFAULT_LIMIT = 100;

    /** The most keys one request may list. */
    public static final int MAX_LIMIT = 10_000;

    private final Wal wal;

    private final NanoWalCompactor compactor;

    public NanoWalEndpoint(Wal wal, NanoWalCompactor compactor) {
        this.wal = wal;
        this.compactor = compactor;
    }

    /** The first {@value #DEFAULT_LIMIT} keys, in key order. */
    public WalDescriptor keys() {
        return keys(null, null);
    }

    /**
     * {@code GET /actuator/nanowal?prefix=orders-&limit=50}: the keys starting with the prefix, in key order, at
     * most {@code limit} of them, and how many matched.
     *
     * @param prefix what the keys start with; every key when absent
     * @param limit the most keys to list, 1 to {@value #MAX_LIMIT}; {@value #DEFAULT_LIMIT} when absent
     * @return the keys
     * @throws InvalidEndpointRequestException (HTTP 400) for a limit out of range
     */
    @ReadOperation
    public WalDescriptor keys(@Nullable String prefix, @Nullable Integer limit) {
        int max = (limit != null) ? limit : DEFAULT_LIMIT;
        if (max < 1 || max > MAX_LIMIT) {
            String message = "limit must be between 1 and " + MAX_LIMIT + ", was " + limit;
            throw new InvalidEndpointRequestException(message, message);
        }
        // Names first, and KeyInfo only for the page: describing every one of 100,000 keys would be the cost.
        List<String> matching = this.wal.enumerateKeys()
            .stream()
            .filter((key) -> prefix == null || key.startsWith(prefix))
            .toList();
        List<KeyDescriptor> keys = matching.stream()
            .limit(max)
            .map(this.wal::keyInfo)
            .flatMap(Optional::stream)
            .map(KeyDescriptor::new)
            .toList();
        List<CursorDescriptor> cursors = this.wal.cursors()
            .stream()
            .filter((cursor) -> prefix == null || cursor.key().startsWith(prefix))
            .map(CursorDescriptor::new)
            .toList();
        List<DamageDescriptor> damage = this.wal.damage().stream().map(DamageDescriptor::new).toList();
        return new WalDescriptor(this.wal.directory().toString(), matching.size(), keys, cursors, damage);
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
     * A page of the WAL's keys, its cursors, and the damage opening found.
     *
     * @param directory the WAL directory
     * @param matched how many keys matched the prefix (more than listed when the limit cut the list)
     * @param keys one entry per listed key, in key order
     * @param cursors the cursors on keys matching the prefix, by name then key
     * @param damage every file opening found damaged and isolated, whatever the prefix
     */
    public record WalDescriptor(String directory, int matched, List<KeyDescriptor> keys,
            List<CursorDescriptor> cursors, List<DamageDescriptor> damage) {

        /** Every key listed: {@code matched} is their number. */
        public WalDescriptor(String directory, List<KeyDescriptor> keys, List<CursorDescriptor> cursors) {
            this(directory, keys.size(), keys, cursors, List.of());
        }
    }

    /**
     * One cursor: where it is and how far behind.
     *
     * @param name the cursor's name
     * @param key the key it reads
     * @param sequenceNumber the segment of the committed entry; null before the first commit
     * @param offset the committed entry's offset in it; null before the first commit
     * @param entriesBehind entries the key holds after the committed position
     * @param skipped times, since the WAL was opened, entries after the position were compacted away unread
     */
    public record CursorDescriptor(String name, String key, @Nullable Long sequenceNumber, @Nullable Long offset,
            long entriesBehind, long skipped) {

        CursorDescriptor(CursorInfo info) {
            this(info.name(), info.key(), (info.position() != null) ? info.position().sequenceNumber() : null,
                    (info.position() != null) ? info.position().offset() : null, info.entriesBehind(),
                    info.skipped());
        }
    }

    /**
     * One damaged file (see {@link WalDamage}).
     *
     * @param file the file
     * @param key its key; null for the meta file, or when a damaged header leaves the key unknown
     * @param keyHash the key hash in its name, in hex; null for the meta file
     * @param sequenceNumber the segment's sequence number; 0 for the meta file
     * @param offset where the damage starts
     * @param problem what is wrong
     * @param readableEntries intact entries the segment still holds
     */
    public record DamageDescriptor(String file, @Nullable String key, @Nullable String keyHash, long sequenceNumber,
            long offset, String problem, long readableEntries) {

        DamageDescriptor(WalDamage damage) {
            this(damage.file().toString(), damage.key(),
                    (damage.keyHash() != 0) ? Long.toHexString(damage.keyHash()) : null, damage.sequenceNumber(),
                    damage.offset(), damage.problem(), damage.readableEntries());
        }
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
