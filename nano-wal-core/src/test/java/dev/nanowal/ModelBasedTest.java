package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random sequences of append / durable append / batch / read by ref / enumerate / enumerate after a ref /
 * compact / sync / close-and-reopen / clock advance over a few keys, checked against a simple in-memory model
 * after every operation. Retention is the model's: an entry younger than the retention must be there; one older
 * than retention + one slice must be gone after a compaction; in between either, but a compaction removes
 * whole oldest segments only, so what a key keeps is always a suffix of what it had, and nothing removed comes
 * back or has its sequence number reused.
 *
 * <p>Seeded: {@code -Dnanowal.model.seed=N} replays one run, {@code -Dnanowal.model.runs=N} sets how many
 * (default 40), {@code -Dnanowal.model.ops=N} their length (default 60). A failure is shrunk by deleting
 * operations while it still fails, and the minimal sequence is printed.
 */
@ExtendWith(QuietWalLogs.class)
class ModelBasedTest {

    private static final Duration RETENTION = Duration.ofHours(1);
    private static final int SLICES = 4;
    private static final long SLICE_MILLIS = RETENTION.toMillis() / SLICES;
    private static final List<String> KEYS = List.of("alpha", "b/β", "../x", "key with spaces");

    @TempDir
    Path root;

    private int runCounter;

    enum Kind { APPEND, DURABLE_APPEND, BATCH, READ, ENUMERATE, ENUMERATE_AFTER, COMPACT, SYNC, REOPEN, ADVANCE }

    /** One operation; {@code a} and {@code b} are its random choices (key, size, minutes, which entry). */
    record Op(Kind kind, int a, int b) {
        @Override
        public String toString() {
            return switch (kind) {
                case APPEND, DURABLE_APPEND -> kind + "(" + KEYS.get(a % KEYS.size()) + ", " + (16 + b) + " bytes)";
                case BATCH -> kind + "(" + (1 + a % 4) + " entries)";
                case READ, ENUMERATE_AFTER -> kind + "(#" + a + ")";
                case ENUMERATE -> kind + "(" + KEYS.get(a % KEYS.size()) + ")";
                case ADVANCE -> kind + "(" + (a % 40) + " min)";
                default -> kind.toString();
            };
        }
    }

    /** An entry the model knows. */
    record Entry(long id, String key, EntryRef ref, long timestamp, byte[] header, byte[] content) {
    }

    static List<Op> generate(long seed, int length) {
        Random random = new Random(seed);
        List<Op> ops = new ArrayList<>();
        Kind[] kinds = Kind.values();
        int[] weights = {30, 12, 4, 12, 8, 4, 5, 3, 3, 10};
        int total = Arrays.stream(weights).sum();
        for (int i = 0; i < length; i++) {
            int pick = random.nextInt(total);
            int k = 0;
            while (pick >= weights[k]) {
                pick -= weights[k++];
            }
            int size = random.nextInt(10) == 0 ? 3000 + random.nextInt(70_000) : random.nextInt(600);
            ops.add(new Op(kinds[k], random.nextInt(1 << 20), size));
        }
        return ops;
    }

    @Test
    void randomOperationSequencesAgreeWithTheModel() throws IOException {
        long runs = Long.getLong("nanowal.model.runs", 40);
        int length = Integer.getInteger("nanowal.model.ops", 60);
        Long fixedSeed = Long.getLong("nanowal.model.seed");
        long base = fixedSeed != null ? fixedSeed : new Random().nextLong();
        System.out.println("[ModelBasedTest] base seed " + base + " (replay with -Dnanowal.model.seed=" + base
                + " -Dnanowal.model.runs=1 for the first run), " + runs + " runs of " + length + " operations");
        int operations = 0;
        for (long run = 0; run < runs; run++) {
            long seed = base + run;
            List<Op> ops = generate(seed, length);
            Throwable failure = execute(seed, ops);
            if (failure != null) {
                List<Op> minimal = shrink(seed, ops);
                Throwable minimalFailure = execute(seed, minimal);
                String steps = minimal.stream().map(Op::toString).collect(Collectors.joining("\n  "));
                throw new AssertionError("Run with seed " + seed + " (replay: -Dnanowal.model.seed=" + seed
                        + " -Dnanowal.model.runs=1) failed: " + failure + "\nMinimal sequence (" + minimal.size()
                        + " of " + ops.size() + " operations), failing with " + minimalFailure + ":\n  " + steps, failure);
            }
            operations += ops.size();
        }
        System.out.println("[ModelBasedTest] " + runs + " sequences, " + operations + " operations: 0 disagreements");
    }

    /** Deletes chunks, then single operations, while the sequence still fails. */
    private List<Op> shrink(long seed, List<Op> ops) {
        List<Op> current = new ArrayList<>(ops);
        int budget = 400;
        for (int chunk = Math.max(1, current.size() / 2); chunk >= 1 && budget > 0; chunk /= 2) {
            boolean progress = true;
            while (progress && budget > 0) {
                progress = false;
                for (int start = 0; start + chunk <= current.size() && budget > 0; start += chunk) {
                    List<Op> candidate = new ArrayList<>(current);
                    candidate.subList(start, start + chunk).clear();
                    budget--;
                    if (execute(seed, candidate) != null) {
                        current = candidate;
                        progress = true;
                        start -= chunk;
                    }
                }
            }
        }
        return current;
    }

    /** Runs the operations in a fresh directory; returns the first disagreement, or null. */
    private Throwable execute(long seed, List<Op> ops) {
        Path dir = root.resolve("run-" + (runCounter++));
        Random random = new Random(seed ^ 0x5DEECE66DL);
        MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
        WalOptions options = WalOptions.builder().clock(clock).entryRetention(RETENTION).segmentsPerRetentionPeriod(SLICES)
                .maxSegmentSize(random.nextBoolean() ? 4096 : 1 << 20).writeBufferSize(random.nextBoolean() ? 0 : 65536)
                .maxOpenFiles(4).build();
        Map<String, List<Entry>> model = new LinkedHashMap<>();
        KEYS.forEach(key -> model.put(key, new ArrayList<>()));
        List<Entry> gone = new ArrayList<>();
        Set<Long> goneSequences = new HashSet<>();
        long[] nextId = {1};
        Wal wal = Wal.open(dir, options);
        int index = 0;
        try {
            for (Op op : ops) {
                index++;
                switch (op.kind()) {
                    case APPEND, DURABLE_APPEND -> {
                        String key = KEYS.get(op.a() % KEYS.size());
                        Entry entry = newEntry(nextId[0]++, key, 16 + op.b(), clock.millis());
                        EntryRef ref = wal.appendEntry(key, entry.header().length == 0 ? null : entry.header(),
                                entry.content(), op.kind() == Kind.DURABLE_APPEND);
                        assertThat(goneSequences).as("sequence of a new ref %s reuses a deleted segment's", ref)
                                .doesNotContain(ref.sequenceNumber());
                        model.get(key).add(withRef(entry, ref));
                    }
                    case BATCH -> {
                        List<WalEntry> batch = new ArrayList<>();
                        List<Entry> entries = new ArrayList<>();
                        for (int i = 0; i <= op.a() % 4; i++) {
                            String key = KEYS.get((op.a() / 4 + i) % KEYS.size());
                            Entry entry = newEntry(nextId[0]++, key, 16 + (op.b() + i * 37) % 700, clock.millis());
                            entries.add(entry);
                            batch.add(new WalEntry(key, entry.header(), entry.content()));
                        }
                        List<EntryRef> refs = wal.appendBatch(batch, op.b() % 2 == 0);
                        for (int i = 0; i < refs.size(); i++) {
                            model.get(entries.get(i).key()).add(withRef(entries.get(i), refs.get(i)));
                        }
                    }
                    case READ -> {
                        List<Entry> all = new ArrayList<>();
                        model.values().forEach(all::addAll);
                        all.addAll(gone);
                        if (!all.isEmpty()) {
                            Entry entry = all.get(op.a() % all.size());
                            if (gone.contains(entry)) {
                                Wal current = wal;
                                Throwable thrown = catchAny(() -> current.readRecordAt(entry.ref()));
                                assertThat(thrown).as("reading compacted entry %d", entry.id())
                                        .isInstanceOf(WalEntryNotFoundException.class);
                            } else {
                                WalRecord record = wal.readRecordAt(entry.ref());
                                assertThat(record.content()).as("content of entry %d", entry.id()).isEqualTo(entry.content());
                                assertThat(record.header()).as("header of entry %d", entry.id()).isEqualTo(entry.header());
                            }
                        }
                    }
                    case ENUMERATE -> {
                        String key = KEYS.get(op.a() % KEYS.size());
                        assertThat(ids(wal.enumerateEntries(key), model.get(key))).as("entries of %s", key)
                                .isEqualTo(model.get(key).stream().map(Entry::id).toList());
                    }
                    case ENUMERATE_AFTER -> {
                        List<Entry> all = new ArrayList<>();
                        model.values().forEach(all::addAll);
                        if (!all.isEmpty()) {
                            Entry from = all.get(op.a() % all.size());
                            List<Entry> entries = model.get(from.key());
                            List<Entry> after = entries.subList(entries.indexOf(from) + 1, entries.size());
                            assertThat(ids(wal.enumerateEntriesAfter(from.ref()), entries)).as("entries after %d", from.id())
                                    .isEqualTo(after.stream().map(Entry::id).toList());
                        }
                    }
                    case COMPACT -> {
                        wal.compact();
                        long now = clock.millis();
                        for (Map.Entry<String, List<Entry>> key : model.entrySet()) {
                            List<Entry> had = key.getValue();
                            List<Long> kept = ids(wal.enumerateEntries(key.getKey()), had);
                            List<Long> hadIds = had.stream().map(Entry::id).toList();
                            assertThat(hadIds).as("what %s keeps must be a suffix of what it had", key.getKey())
                                    .endsWith(kept.toArray(new Long[0]));
                            int removed = had.size() - kept.size();
                            for (int i = 0; i < had.size(); i++) {
                                Entry entry = had.get(i);
                                long age = now - entry.timestamp();
                                if (i < removed) {
                                    assertThat(age).as("entry %d of %s deleted at age %d ms, before the retention",
                                            entry.id(), key.getKey(), age).isGreaterThanOrEqualTo(RETENTION.toMillis());
                                } else {
                                    assertThat(age).as("entry %d of %s kept at age %d ms, past retention + one slice",
                                            entry.id(), key.getKey(), age).isLessThan(RETENTION.toMillis() + SLICE_MILLIS);
                                }
                            }
                            List<Entry> removedEntries = new ArrayList<>(had.subList(0, removed));
                            gone.addAll(removedEntries);
                            removedEntries.forEach(e -> goneSequences.add(e.ref().sequenceNumber()));
                            had.subList(0, removed).clear();
                        }
                        // a sequence still holding a kept entry was not deleted
                        model.values().forEach(list -> list.forEach(e -> goneSequences.remove(e.ref().sequenceNumber())));
                    }
                    case SYNC -> wal.sync();
                    case REOPEN -> {
                        wal.close();
                        wal = Wal.open(dir, options);
                    }
                    case ADVANCE -> clock.advance(Duration.ofMinutes(op.a() % 40));
                }
                Set<String> expectedKeys = new TreeSet<>();
                model.forEach((key, entries) -> {
                    if (!entries.isEmpty()) {
                        expectedKeys.add(key);
                    }
                });
                assertThat(wal.enumerateKeys()).as("keys").isEqualTo(expectedKeys);
            }
            wal.close();
            try (Wal reopened = Wal.open(dir, options)) {
                for (Map.Entry<String, List<Entry>> key : model.entrySet()) {
                    assertThat(ids(reopened.enumerateEntries(key.getKey()), key.getValue())).as("entries of %s after reopen",
                            key.getKey()).isEqualTo(key.getValue().stream().map(Entry::id).toList());
                }
            }
            return null;
        } catch (Throwable e) {
            try {
                wal.close();
            } catch (RuntimeException ignored) {
                // reporting the first failure
            }
            return new AssertionError("at operation " + index + " " + (index > 0 ? ops.get(index - 1) : "open") + ": "
                    + e.getMessage(), e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static Entry newEntry(long id, String key, int size, long now) {
        return new Entry(id, key, null, now, TestPayloads.header(id, (int) (id % 4) * 5), TestPayloads.content(id, size));
    }

    private static Entry withRef(Entry entry, EntryRef ref) {
        return new Entry(entry.id(), entry.key(), ref, entry.timestamp(), entry.header(), entry.content());
    }

    /** The ids of the records, each checked byte for byte against the model's entry with its ref. */
    private static List<Long> ids(Stream<WalRecord> records, List<Entry> known) {
        Map<Long, Entry> byId = new LinkedHashMap<>();
        known.forEach(e -> byId.put(e.id(), e));
        try (records) {
            return records.map(record -> {
                long id = TestPayloads.checkedId(record.content());
                Entry entry = byId.get(id);
                assertThat(entry).as("entry %d is not one the model holds for this key", id).isNotNull();
                assertThat(record.ref()).as("ref of entry %d", id).isEqualTo(entry.ref());
                assertThat(record.header()).as("header of entry %d", id).isEqualTo(entry.header());
                return id;
            }).toList();
        }
    }

    private static Throwable catchAny(Runnable action) {
        try {
            action.run();
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
