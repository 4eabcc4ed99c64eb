package dev.nanowal;

import dev.nanowal.internal.format.KeyNames;

/**
 * Where one entry lives: the hash of its key, the sequence number of its segment and the byte offset of
 * its frame in that segment.
 *
 * <p>A plain value: it can be stored, compared, used as a map key and saved outside the process. It stays
 * valid across restarts and JVMs because the key hash is a fixed function of the key's UTF-8 bytes (see
 * {@link #hashOf(String)}) and segment sequence numbers are never reused within a WAL directory. A reference
 * whose segment has been compacted fails with {@link WalEntryNotFoundException}; it never resolves to another
 * entry.
 *
 * @param keyHash the 64-bit FNV-1a hash of the key's UTF-8 bytes
 * @param sequenceNumber the sequence number of the segment file holding the entry
 * @param offset the byte offset of the entry's frame within that segment file
 */
public record EntryRef(long keyHash, long sequenceNumber, long offset) {

    /**
     * The key hash stored in every {@link EntryRef}: 64-bit FNV-1a over the key's UTF-8 bytes (offset basis
     * {@code 0xcbf29ce484222325}, prime {@code 0x100000001b3}). Part of the on-disk format; it never changes.
     *
     * @param key the key
     * @return the key's hash
     */
    public static long hashOf(String key) {
        return KeyNames.hash(KeyNames.utf8(key));
    }

    @Override
    public String toString() {
        return "EntryRef[keyHash=" + Long.toHexString(keyHash) + ", sequenceNumber=" + sequenceNumber
                + ", offset=" + offset + "]";
    }
}
