package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import java.util.AbstractList;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * The references {@code appendBatch} returns, kept as numbers: an {@link EntryRef} is made when one is read, so a
 * batch whose caller keeps none of them allocates two arrays instead of an object per entry (in W1B, batches of
 * 64 x 100 B to one key, 23 bytes allocated per entry instead of 50). A batch of one key stores its key hash once.
 * Unmodifiable: {@link AbstractList} refuses {@code set} and {@code add}.
 */
final class BatchRefs extends AbstractList<EntryRef> implements RandomAccess {

    private final long[] hashes;
    private final long[] sequences;
    private final long[] offsets;

    private BatchRefs(long[] hashes, int size) {
        this.hashes = hashes;
        this.sequences = new long[size];
        this.offsets = new long[size];
    }

    /** References of {@code size} entries of one key. */
    static BatchRefs ofOneKey(int size, long keyHash) {
        return new BatchRefs(new long[] {keyHash}, size);
    }

    /** References of {@code size} entries of any keys. */
    static BatchRefs ofKeys(int size) {
        return new BatchRefs(new long[size], size);
    }

    /** Records where entry {@code index} of the batch was appended (a batch of one key ignores the hash). */
    void put(int index, long keyHash, long sequence, long offset) {
        if (hashes.length == sequences.length) {
            hashes[index] = keyHash;
        }
        sequences[index] = sequence;
        offsets[index] = offset;
    }

    void put(int index, EntryRef ref) {
        put(index, ref.keyHash(), ref.sequenceNumber(), ref.offset());
    }

    @Override
    public EntryRef get(int index) {
        Objects.checkIndex(index, offsets.length);
        long hash = hashes.length == offsets.length ? hashes[index] : hashes[0];
        return new EntryRef(hash, sequences[index], offsets[index]);
    }

    @Override
    public int size() {
        return offsets.length;
    }
}
