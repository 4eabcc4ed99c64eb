package dev.nanowal.internal.engine;

import dev.nanowal.WalException;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.SegmentHeader;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The WAL's keys: each key's {@link KeyLog} by name and by hash, made at the key's first append and
 * forgotten when compaction empties it, its append counts kept.
 */
final class Keys {

    /** What the statistics sum over every key. */
    record Totals(long keys, long segments, long bytes, long appends, long appendedBytes) {
    }

    private final WalContext context;
    private final Map<Long, KeyLog> byHash = new ConcurrentHashMap<>();
    private final Map<String, KeyLog> byName = new ConcurrentHashMap<>();
    /** Makes forgetting a key and summing the keys' counts exclusive, so that no count is seen twice or lost. */
    private final Object countsLock = new Object();
    private long forgottenAppends;
    private long forgottenAppendedBytes;

    /** @param loaded each key's segments as recovery found them, by key hash */
    Keys(WalContext context, Map<Long, List<Segment>> loaded) {
        this.context = context;
        for (Map.Entry<Long, List<Segment>> key : loaded.entrySet()) {
            Segment first = key.getValue().get(0);
            SegmentHeader header = first.header();
            KeyLog log = new KeyLog(header.key(), header.keyBytes(), key.getKey(), context, key.getValue(),
                    first.keyLock());
            byHash.put(key.getKey(), log);
            byName.put(header.key(), log);
        }
    }

    /** The key's log, or null when the key has none. */
    KeyLog byName(String key) {
        return byName.get(key);
    }

    /** The log of the key with this hash, or null. */
    KeyLog byHash(long keyHash) {
        return byHash.get(keyHash);
    }

    Collection<KeyLog> all() {
        return byHash.values();
    }

    /** The key's live log, made (and replacing a retired one) when needed. */
    KeyLog logFor(String key) {
        KeyLog known = key == null ? null : byName.get(key);
        if (known != null && !known.isRetired()) {
            return known;
        }
        byte[] keyBytes = KeyNames.utf8(key);
        long hash = KeyNames.hash(keyBytes);
        KeyLog log = byHash.compute(hash, (h, existing) -> existing == null || existing.isRetired()
                ? new KeyLog(key, keyBytes, h, context, existing) : existing);
        if (!log.key().equals(key)) {
            throw new WalException("Key '" + key + "' has the same 64-bit hash (" + Long.toHexString(hash)
                    + ") as key '" + log.key() + "', which already has entries in " + context.directory().path()
                    + "; two such keys cannot share a WAL directory");
        }
        byName.put(key, log);
        return log;
    }

    /**
     * Drops a key that compaction emptied, keeping its counts. When an append replaced it meanwhile, the
     * replacement carries them on instead.
     */
    void forget(KeyLog retired) {
        synchronized (countsLock) {
            if (byHash.remove(retired.keyHash(), retired)) {
                forgottenAppends += retired.appends();
                forgottenAppendedBytes += retired.appendedBytes();
            }
            byName.remove(retired.key(), retired);
        }
    }

    Totals totals() {
        long keys = 0;
        long segments = 0;
        long bytes = 0;
        synchronized (countsLock) {
            long appends = forgottenAppends;
            long appendedBytes = forgottenAppendedBytes;
            for (KeyLog log : byHash.values()) {
                List<Segment> current = log.segments();
                segments += current.size();
                for (Segment segment : current) {
                    bytes += segment.end();
                }
                if (log.hasEntries()) {
                    keys++;
                }
                appends += log.appends();
                appendedBytes += log.appendedBytes();
            }
            return new Totals(keys, segments, bytes, appends, appendedBytes);
        }
    }
}
