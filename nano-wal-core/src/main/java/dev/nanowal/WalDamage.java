package dev.nanowal;

import java.nio.file.Path;

/**
 * Damage that opening found in one file of the WAL and isolated instead of refusing to open (see
 * {@link Wal#damage()}). A damaged segment is kept as it is, never rewritten and never appended to: its intact
 * entries read as before, a read of a damaged entry raises {@link WalCorruptionException}, and its key's next
 * append goes to a new segment. Damage stays listed until the file is repaired (open with
 * {@link WalOptions.Builder#repairCorruptTail(boolean)}, restore it from a backup, or delete it) and the WAL is
 * opened again.
 *
 * @param file the damaged file
 * @param key the key whose segment it is; null for the meta file, and for a segment whose header is unreadable
 *     when no other segment of its key names the key
 * @param keyHash the key hash in the segment's file name; 0 for the meta file
 * @param sequenceNumber the segment's sequence number, as in its {@link EntryRef}s; 0 for the meta file
 * @param offset where the first damaged byte range starts in the file
 * @param problem what is wrong there, for people
 * @param readableEntries how many intact entries the segment still holds (0 for the meta file)
 */
public record WalDamage(Path file, String key, long keyHash, long sequenceNumber, long offset, String problem,
        long readableEntries) {
}
