package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * The references {@code appendBatch} returns, kept as numbers: an {@link EntryRef} is made when one is read, so a
 * batch whose caller keeps none of them allocates an array of offsets instead of an object per entry (in W1B,
 * batches of 64 x 100 B to one key, 50 bytes allocated per entry with the objects, 23 with three arrays, 10 with
 * one). A batch of one key stores its key hash once, and its segment once until a rotation in the batch.
 * Unmodifiable: {@link AbstractList} refuses {@code set} and {@code add}.
 */
final class BatchRefs extends AbstractList<EntryRef> implements RandomAccess {

    /** One key's hash; unused when {@link #hashes} holds one per entry. */
    private final long keyHash;
    private final long[] hashes;
    /** Null while every entry so far is in {@link #sequence}. */
    private long[] sequences;
    private long sequence = -1;
    private final long[] offsets;

    private BatchRefs(long keyHash, long[] hashes, long[] sequences, int size) {
        this.keyHash = keyHash;
        this.hashes = hashes;
        this.sequences = sequences;
        this.offsets = new long[size];
    }

    /** References of {@code size} entries of one key, put in the order of their indexes. */
    static BatchRefs ofOneKey(int size, long keyHash) {
        return new BatchRefs(keyHash, null, null, size);
    }

    /** References of {@code size} entries of any keys, put in any order. */
    static BatchRefs ofKeys(int size) {
        return new BatchRefs(0, new long[size], new long[size], size);
    }

    /** Records where entry {@code index} of the batch was appended (a batch of one key ignores the hash). */
    void put(int index, long keyHash, long sequence, long offset) {
        if (hashes != null) {
            hashes[index] = keyHash;
        }
        if (sequences == null && sequence != this.sequence) {
            if (this.sequence == -1) {
                this.sequence = sequence;
            } else {
                // a rotation within a batch of one key: the entries before this one, put in order, were all in
                // the first segment
                sequences = new long[offsets.length];
                Arrays.fill(sequences, 0, index, this.sequence);
            }
        }
        if (sequences != null) {
            sequences[index] = sequence;
        }
        offsets[index] = offset;
    }

    void put(int index, EntryRef ref) {
        put(index, ref.keyHash(), ref.sequenceNumber(), ref.offset());
    }

    @Override
    public EntryRef get(int index) {
        Objects.checkIndex(index, offsets.length);
        return new EntryRef(hashes == null ? keyHash : hashes[index], sequences == null ? sequence : sequences[index],
                offsets[index]);
    }

    @Override
    public int size() {
        return offsets.length;
    }
}
