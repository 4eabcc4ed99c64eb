package dev.nanowal;

import java.time.Instant;

/**
 * What the WAL holds for one key. Never includes entry contents.
 *
 * @param key the key
 * @param keyHash the key's hash, as in its {@link EntryRef}s
 * @param segments how many segment files the key has
 * @param entries how many entries those segments hold
 * @param bytes their total size on disk
 * @param oldestEntry when the oldest retained entry was written
 * @param newestEntry when the newest entry was written
 */
public record KeyInfo(String key, long keyHash, int segments, long entries, long bytes, Instant oldestEntry,
        Instant newestEntry) {
}
