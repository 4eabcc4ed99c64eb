package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The oracle of the reliability tests: every append attempted (with a self-checking {@link TestPayloads}
 * content), which were acknowledged, which durably. Checks that what a WAL returns is exactly what was
 * appended, in order, and that nothing acknowledged is missing.
 */
final class Ledger {

    record Attempt(long id, String key, byte[] header, byte[] content, boolean durable) {
    }

    private final Map<Long, Attempt> attempts = new LinkedHashMap<>();
    private final Map<Long, EntryRef> acked = new LinkedHashMap<>();
    private final Set<Long> durable = new HashSet<>();
    private final Set<Long> expired = new HashSet<>();
    private long nextId = 1;

    /** Appends an entry of about {@code size} bytes; records the attempt first, the acknowledgement after. */
    EntryRef append(Wal wal, String key, int size, boolean durableAppend) {
        Attempt attempt = next(key, size, durableAppend);
        EntryRef ref = wal.appendEntry(key, attempt.header().length == 0 ? null : attempt.header(), attempt.content(),
                durableAppend);
        acknowledge(attempt.id(), ref);
        return ref;
    }

    /**
     * Appends entries of 2,000 to 2,600 bytes to {@code keys} keys named {@code prefix0...}, three of four durable,
     * until one fails (on a full file system), and returns that failure.
     */
    WalIOException fill(Wal wal, String prefix, int keys) {
        for (int i = 0; i < 10_000; i++) {
            try {
                append(wal, prefix + (i % keys), 2000 + (i % 7) * 100, i % 4 != 3);
            } catch (WalIOException e) {
                return e;
            }
        }
        throw new AssertionError("10,000 appends never filled the file system up");
    }

    Attempt next(String key, int size, boolean durableAppend) {
        long id = nextId++;
        Attempt attempt = new Attempt(id, key, TestPayloads.header(id, (int) (id % 3) * 7),
                TestPayloads.content(id, Math.max(TestPayloads.MIN_LENGTH, size)), durableAppend);
        attempts.put(id, attempt);
        return attempt;
    }

    void acknowledge(long id, EntryRef ref) {
        acked.put(id, ref);
        if (attempts.get(id).durable()) {
            durable.add(id);
        }
    }

    /** A deep copy. */
    Ledger copy() {
        Ledger copy = new Ledger();
        copy.attempts.putAll(attempts);
        copy.acked.putAll(acked);
        copy.durable.addAll(durable);
        copy.expired.addAll(expired);
        copy.nextId = nextId;
        return copy;
    }

    /** A copy in which only {@code durableIds} count as durable (what a crash must keep). */
    Ledger durableOnly(Set<Long> durableIds) {
        Ledger copy = copy();
        copy.durable.clear();
        copy.durable.addAll(durableIds);
        return copy;
    }

    /**
     * What a crash that kept only {@code durableIds} leaves to check from then on: the other acknowledgements are
     * forgotten, since their entries may be gone and their offsets taken by the appends after the reopen.
     */
    Ledger afterCrash(Set<Long> durableIds) {
        Ledger copy = durableOnly(durableIds);
        copy.acked.keySet().retainAll(durableIds);
        return copy;
    }

    /** After a sync or a clean close every acknowledged entry is durable. */
    void allAcknowledgedAreDurable() {
        durable.addAll(acked.keySet());
    }

    /** Entries that compaction may have deleted from now on. */
    void mayHaveExpired(Collection<Long> ids) {
        expired.addAll(ids);
    }

    Map<Long, EntryRef> acknowledged() {
        return acked;
    }

    Set<Long> durableIds() {
        return durable;
    }

    Map<Long, Attempt> attempts() {
        return attempts;
    }

    Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        attempts.values().forEach(a -> keys.add(a.key()));
        return keys;
    }

    /**
     * What the crash tests check first after a crash: the directory opens with no damage reported (a crash damages
     * nothing an fsync covered), every entry counted durable reads back, and durable appends to {@code keys} work
     * and read back with them.
     */
    void checkRecoveryOf(Path crashed, WalOptions options, List<String> keys) {
        try (Wal reopened = Wal.open(crashed, options)) {
            assertThat(reopened.damage()).as("damage reported").isEmpty();
            checkAll(reopened, true);
            for (String key : keys) {
                append(reopened, key, 100, true);
            }
            checkAll(reopened, true);
        }
    }

    /** Every acknowledged entry (only the durable ones when {@code durableOnly}) reads back exactly by its ref. */
    void checkReadable(Wal wal, boolean durableOnly) {
        for (Map.Entry<Long, EntryRef> entry : acked.entrySet()) {
            long id = entry.getKey();
            if ((durableOnly && !durable.contains(id)) || expired.contains(id)) {
                continue;
            }
            Attempt attempt = attempts.get(id);
            WalRecord record = wal.readRecordAt(entry.getValue());
            assertThat(record.content()).as("content of entry %d at %s", id, entry.getValue()).isEqualTo(attempt.content());
            assertThat(record.header()).as("header of entry %d", id).isEqualTo(attempt.header());
        }
    }

    /**
     * Enumerates every key: each entry returned was attempted for that key, with exactly its bytes, in
     * attempt order, without duplicates; every required (acknowledged, or durable when {@code durableOnly})
     * entry is there. Returns the ids seen, per key.
     */
    Map<String, List<Long>> checkEnumeration(Wal wal, boolean durableOnly) {
        Map<String, List<Long>> seen = new HashMap<>();
        for (String key : keys()) {
            List<Long> ids = new ArrayList<>();
            try (Stream<WalRecord> records = wal.enumerateEntries(key)) {
                records.forEach(record -> {
                    long id = TestPayloads.checkedId(record.content());
                    Attempt attempt = attempts.get(id);
                    assertThat(attempt).as("entry %d returned for key %s was never appended", id, key).isNotNull();
                    assertThat(attempt.key()).as("key of entry %d", id).isEqualTo(key);
                    assertThat(record.header()).as("header of entry %d", id).isEqualTo(attempt.header());
                    if (acked.containsKey(id)) {
                        assertThat(record.ref()).as("ref of entry %d", id).isEqualTo(acked.get(id));
                    }
                    if (!ids.isEmpty()) {
                        assertThat(id).as("entries of key %s out of order or repeated: %s then %d", key, ids, id)
                                .isGreaterThan(ids.get(ids.size() - 1));
                    }
                    ids.add(id);
                });
            }
            Set<Long> present = new HashSet<>(ids);
            for (long id : acked.keySet()) {
                Attempt attempt = attempts.get(id);
                if (attempt.key().equals(key) && !expired.contains(id) && (!durableOnly || durable.contains(id))) {
                    assertThat(present).as("acknowledged entry %d of key %s is missing (seen %s)", id, key, ids)
                            .contains(id);
                }
            }
            seen.put(key, ids);
        }
        return seen;
    }

    void checkAll(Wal wal, boolean durableOnly) {
        checkReadable(wal, durableOnly);
        checkEnumeration(wal, durableOnly);
    }
}
