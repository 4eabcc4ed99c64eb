package dev.nanowal.internal.engine;

import dev.nanowal.WalCorruptionException;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.SegmentListing;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A read-only view's keys: each key's segment files as the directory listed them last, made from the names and
 * headers alone ({@link #refresh}); a segment the writer created since appears, one it compacted disappears. A
 * key's newest segment whose header cannot be read is left out (a creation that a crash cut short: the writer's
 * next open deletes it). Thread-safe.
 */
final class ReadOnlyKeys {

    /** One key and its segments by sequence number, oldest first (an immutable snapshot). */
    record Key(String name, long keyHash, NavigableMap<Long, ReadOnlySegment> bySequence) {

        List<ReadOnlySegment> segments() {
            return List.copyOf(bySequence.values());
        }

        /** The segment with this sequence number, or null. */
        ReadOnlySegment segment(long sequence) {
            return bySequence.get(sequence);
        }

        /** The oldest segment after {@code sequence}, or null. */
        ReadOnlySegment after(long sequence) {
            Map.Entry<Long, ReadOnlySegment> later = bySequence.higherEntry(sequence);
            return later == null ? null : later.getValue();
        }
    }

    private final Storage storage;
    private final ReadOnlyJournal journal;
    private final WalEvents events;
    private final Map<Long, Key> byHash = new ConcurrentHashMap<>();
    private final Map<String, Key> byName = new ConcurrentHashMap<>();

    ReadOnlyKeys(Storage storage, ReadOnlyJournal journal, WalEvents events) {
        this.storage = storage;
        this.journal = journal;
        this.events = events;
    }

    Key byName(String key) {
        return byName.get(key);
    }

    Key byHash(long keyHash) {
        return byHash.get(keyHash);
    }

    Collection<Key> all() {
        return Collections.unmodifiableCollection(byHash.values());
    }

    /**
     * Takes the directory's {@code entries}, listed again: new segments are added (their headers read),
     * vanished ones dropped.
     */
    synchronized void refresh(List<Path> entries) throws IOException {
        SegmentListing listing = SegmentListing.of(entries);
        for (Map.Entry<Long, TreeMap<Long, Path>> files : listing.byKey().entrySet()) {
            Key known = byHash.get(files.getKey());
            Key key = load(files.getKey(), files.getValue(), known);
            if (key == null) {
                forget(files.getKey());
            } else {
                if (known != null && !known.name().equals(key.name())) {
                    byName.remove(known.name(), known);
                }
                byHash.put(key.keyHash(), key);
                byName.put(key.name(), key);
            }
        }
        for (Long hash : List.copyOf(byHash.keySet())) {
            if (!listing.byKey().containsKey(hash)) {
                forget(hash);
            }
        }
    }

    private void forget(long keyHash) {
        Key gone = byHash.remove(keyHash);
        if (gone != null) {
            byName.remove(gone.name(), gone);
        }
    }

    private Key load(long keyHash, NavigableMap<Long, Path> files, Key known) throws IOException {
        TreeMap<Long, ReadOnlySegment> segments = new TreeMap<>();
        for (Map.Entry<Long, Path> file : files.entrySet()) {
            ReadOnlySegment segment = known == null ? null : known.segment(file.getKey());
            if (segment == null) {
                try {
                    segment = ReadOnlySegment.open(file.getValue(), keyHash, file.getKey(), storage, journal);
                } catch (FormatException e) {
                    if (file.getKey().equals(files.lastKey())) {
                        continue;
                    }
                    throw events.corrupt(new WalCorruptionException(e.getMessage(), e));
                }
            }
            if (segment != null) {
                segments.put(file.getKey(), segment);
            }
        }
        if (segments.isEmpty()) {
            return null;
        }
        String name = segments.firstEntry().getValue().header().key();
        for (ReadOnlySegment segment : segments.values()) {
            if (!segment.header().key().equals(name)) {
                throw events.corrupt(new WalCorruptionException("Segments " + segments.firstEntry().getValue().path()
                        + " and " + segment.path() + " share key hash " + Long.toHexString(keyHash)
                        + " but hold different keys"));
            }
        }
        return new Key(name, keyHash, Collections.unmodifiableNavigableMap(segments));
    }
}
