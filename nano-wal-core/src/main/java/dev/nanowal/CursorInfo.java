package dev.nanowal;

/**
 * A cursor as {@link Wal#cursors()} lists it.
 *
 * @param name the cursor's name
 * @param key the key it reads
 * @param position the committed position, or null before the first commit
 * @param entriesBehind how many entries the key holds after the position (all of them before the first commit)
 * @param skipped how many times, since the WAL was opened, entries after the position were compacted away unread
 */
public record CursorInfo(String name, String key, EntryRef position, long entriesBehind, long skipped) {
}
