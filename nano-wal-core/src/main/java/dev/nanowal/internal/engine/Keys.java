package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalException;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.SegmentHeader;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The WAL's keys: each key's {@link KeyLog} by name and by hash, made at the key's first append and
 * forgotten when compaction empties it, its append counts kept.
 */
final class Keys {

    private static final int MAX_FORGOTTEN = 4096;

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
    /**
     * The newest segment sequence of keys forgotten, by hash, so that a key that comes back continues the chain of
     * segments by which a tailer proves it missed nothing ({@link Segment#previousSequence()}). Capped, as keys may
     * come and go forever: a key dropped from it only makes a tailer count a skip it cannot disprove.
     */
    private final Map<Long, Long> forgottenNewest = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > MAX_FORGOTTEN;
        }
    };

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
        // read before the compute: forget() takes the counts lock before the map's, so the compute must not take it
        long newestBefore = forgottenNewest(hash);
        KeyLog log = byHash.compute(hash, (h, existing) -> existing == null || existing.isRetired()
                ? new KeyLog(key, keyBytes, h, context, existing, newestBefore) : existing);
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
                forgottenNewest.put(retired.keyHash(), retired.newestSequence());
            }
            byName.remove(retired.key(), retired);
        }
    }

    /**
     * Where a reader of {@code key} goes on after {@code after}: the oldest entry held for null.
     *
     * @throws IllegalArgumentException when {@code after} is an entry of another key
     */
    TailPosition positionAfter(String key, long hash, EntryRef after) {
        if (after == null) {
            return TailPosition.OLDEST;
        }
        if (after.keyHash() != hash) {
            throw new IllegalArgumentException(after + " is an entry of another key (hash "
                    + Long.toHexString(after.keyHash()) + "), not of '" + key + "' (hash " + Long.toHexString(hash)
                    + ")");
        }
        KeyLog log = byName(key);
        return log == null ? new TailPosition(null, after.sequenceNumber(), 0) : log.positionAfter(after);
    }

    private long forgottenNewest(long hash) {
        synchronized (countsLock) {
            Long newest = forgottenNewest.get(hash);
            return newest == null ? -1 : newest;
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
