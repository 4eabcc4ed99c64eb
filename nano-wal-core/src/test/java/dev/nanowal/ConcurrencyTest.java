package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One {@link Wal} shared by many threads on real files: per-key total order, nothing lost, every ref exact,
 * group commit, and close() racing with appends. No sleeps and no timing assertions: threads meet at latches,
 * and the group-commit check counts fsyncs.
 */
class ConcurrencyTest {

    private static final Comparator<EntryRef> REF_ORDER = Comparator.comparingLong(EntryRef::sequenceNumber)
            .thenComparingLong(EntryRef::offset);

    @TempDir
    Path dir;

    /** What one writer thread appended: its refs and the ids of its payloads, published for readers. */
    static final class Written {
        final int thread;
        final AtomicReferenceArray<EntryRef> refs;
        final String[] keys;
        final long[] ids;
        final int[] headerLengths;
        final AtomicInteger published = new AtomicInteger();

        Written(int thread, int capacity) {
            this.thread = thread;
            this.refs = new AtomicReferenceArray<>(capacity);
            this.keys = new String[capacity];
            this.ids = new long[capacity];
            this.headerLengths = new int[capacity];
        }
    }

    static long id(int thread, int counter) {
        return ((long) (thread + 1) << 32) | counter;
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void appendsReadsEnumerationsCompactionAndSyncsRaceSafely() throws Exception {
        int writers = 8;
        int perWriter = 1200;
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        WalOptions options = WalOptions.builder().entryRetention(Duration.ofDays(1)).segmentsPerRetentionPeriod(96)
                .maxSegmentSize(64 * 1024).maxOpenFiles(16).clock(clock).build();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Written> written = new ArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        AtomicLong enumerations = new AtomicLong();
        AtomicLong compactions = new AtomicLong();
        try (Wal wal = Wal.open(dir, options)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> writerThreads = new ArrayList<>();
            List<Thread> helpers = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                Written mine = new Written(t, perWriter);
                written.add(mine);
                writerThreads.add(thread("writer-" + t, failures, () -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(mine.thread);
                    for (int i = 0; i < perWriter; i++) {
                        String key = i % 2 == 0 ? "shared" : i % 3 == 0 ? "pair-" + (mine.thread % 2) : "own-" + mine.thread;
                        long id = id(mine.thread, i);
                        int headerLength = random.nextInt(4) == 0 ? 1 + random.nextInt(100) : 0;
                        int size = random.nextInt(100) == 0 ? 70_000 + random.nextInt(10_000)
                                : TestPayloads.MIN_LENGTH + random.nextInt(random.nextInt(10) == 0 ? 5000 : 200);
                        byte[] header = headerLength == 0 ? null : TestPayloads.header(id, headerLength);
                        EntryRef ref = wal.appendEntry(key, header, TestPayloads.content(id, size), i % 4 == 0);
                        mine.keys[i] = key;
                        mine.ids[i] = id;
                        mine.headerLengths[i] = headerLength;
                        mine.refs.set(i, ref);
                        mine.published.set(i + 1);
                    }
                }));
            }
            for (int r = 0; r < 2; r++) {
                int seed = r;
                helpers.add(thread("reader-" + r, failures, () -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(100 + seed);
                    while (writing.get()) {
                        Written w = written.get(random.nextInt(writers));
                        int count = w.published.get();
                        if (count == 0) {
                            Thread.onSpinWait();
                            continue;
                        }
                        int i = random.nextInt(count);
                        WalRecord record = wal.readRecordAt(w.refs.get(i));
                        assertThat(TestPayloads.checkedId(record.content())).isEqualTo(w.ids[i]);
                        assertThat(record.header()).isEqualTo(TestPayloads.header(w.ids[i], w.headerLengths[i]));
                        reads.incrementAndGet();
                    }
                }));
            }
            helpers.add(thread("enumerator", failures, () -> {
                start.await();
                SplittableRandom random = new SplittableRandom(7);
                while (writing.get()) {
                    int pick = random.nextInt(4);
                    String key = pick == 0 ? "shared"
                            : pick == 1 ? "pair-" + random.nextInt(2) : "own-" + random.nextInt(writers);
                    checkEnumeration(wal, key);
                    enumerations.incrementAndGet();
                }
            }));
            helpers.add(thread("maintenance", failures, () -> {
                start.await();
                int step = 0;
                while (writing.get()) {
                    wal.sync();
                    assertThat(wal.compact().segmentsDeleted()).as("nothing is past the 1-day retention").isZero();
                    // rotate every segment by time now and then; 4 minutes a step, at most 12 hours in all
                    if (step++ < 180) {
                        clock.advance(Duration.ofMinutes(4));
                    }
                    compactions.incrementAndGet();
                }
            }));
            writerThreads.forEach(Thread::start);
            helpers.forEach(Thread::start);
            start.countDown();
            for (Thread thread : writerThreads) {
                thread.join();
            }
            writing.set(false);
            for (Thread thread : helpers) {
                thread.join();
            }
            assertNoFailures(failures);
            assertThat(wal.stats().openFiles()).isLessThanOrEqualTo(16);
            verifyEverything(wal, written, perWriter);
            assertThat(wal.stats().corruptionsDetected()).isZero();
        }
        try (Wal wal = Wal.open(dir, options)) {
            verifyEverything(wal, written, perWriter);
        }
        System.out.printf("ConcurrencyTest: %d reads, %d enumerations, %d sync+compact rounds alongside %d appends%n",
                reads.get(), enumerations.get(), compactions.get(), writers * perWriter);
    }

    /** Enumeration order is ref order, contents are intact, and each writer's entries appear in its order. */
    private static List<WalRecord> checkEnumeration(Wal wal, String key) {
        List<WalRecord> records;
        try (Stream<WalRecord> stream = wal.enumerateEntries(key)) {
            records = stream.toList();
        }
        Map<Long, Long> lastCounter = new HashMap<>();
        EntryRef previous = null;
        for (WalRecord record : records) {
            if (previous != null) {
                assertThat(REF_ORDER.compare(previous, record.ref())).as("key %s: %s after %s", key, record.ref(), previous)
                        .isNegative();
            }
            previous = record.ref();
            long id = TestPayloads.checkedId(record.content());
            Long before = lastCounter.put(id >>> 32, id & 0xffff_ffffL);
            assertThat(before == null || before < (id & 0xffff_ffffL)).as("key %s: writer order at %x", key, id).isTrue();
        }
        return records;
    }

    private static void verifyEverything(Wal wal, List<Written> written, int perWriter) {
        Map<String, List<EntryRef>> expectedByKey = new HashMap<>();
        for (Written w : written) {
            assertThat(w.published.get()).isEqualTo(perWriter);
            for (int i = 0; i < perWriter; i++) {
                EntryRef ref = w.refs.get(i);
                WalRecord record = wal.readRecordAt(ref);
                assertThat(TestPayloads.checkedId(record.content())).isEqualTo(w.ids[i]);
                assertThat(record.header()).isEqualTo(TestPayloads.header(w.ids[i], w.headerLengths[i]));
                assertThat(ref.keyHash()).isEqualTo(EntryRef.hashOf(w.keys[i]));
                expectedByKey.computeIfAbsent(w.keys[i], k -> new ArrayList<>()).add(ref);
            }
        }
        assertThat(wal.enumerateKeys()).containsExactlyInAnyOrderElementsOf(expectedByKey.keySet());
        for (Map.Entry<String, List<EntryRef>> key : expectedByKey.entrySet()) {
            List<EntryRef> expected = new ArrayList<>(key.getValue());
            expected.sort(REF_ORDER);
            List<EntryRef> enumerated = checkEnumeration(wal, key.getKey()).stream().map(WalRecord::ref).toList();
            assertThat(enumerated).as("every entry of key %s, in ref order", key.getKey()).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "journal {0}")
    @ValueSource(booleans = {true, false})
    void concurrentDurableAppendsToOneKeyShareFsyncs(boolean journal) throws Exception {
        int threads = 8;
        int perThread = 200;
        DurabilityCount count = new DurabilityCount();
        try (Wal wal = Wal.open(dir, WalOptions.builder().journal(journal).build())) {
            wal.addListener(count);
            List<List<EntryRef>> refs = durableAppendsToOneKey(wal, threads, perThread, 64);
            WalStats stats = wal.stats();
            int appends = threads * perThread;
            System.out.printf("ConcurrencyTest: %d durable appends to one key took %d segment fsyncs and %d journal "
                    + "commits (largest batch %d)%n", appends, stats.syncs(), count.commits.get(), count.largestBatch.get());
            assertThat(stats.durableAppends()).isEqualTo(appends);
            assertThat(count.syncs.get()).isEqualTo(stats.syncs());
            count.assertShared(journal, appends);
            assertEveryRefReadsItsEntry(wal, refs);
        }
    }

    /** What a listener heard of fsyncs: of segment files (onSync) and of the journal (onJournalCommit). */
    private static final class DurabilityCount implements WalListener {
        final AtomicLong syncs = new AtomicLong();
        final AtomicLong syncedEntries = new AtomicLong();
        final AtomicLong commits = new AtomicLong();
        final AtomicLong committedEntries = new AtomicLong();
        final AtomicInteger largestBatch = new AtomicInteger();

        @Override
        public void onSync(Duration duration, int batch) {
            syncs.incrementAndGet();
            syncedEntries.addAndGet(batch);
            largestBatch.accumulateAndGet(batch, Math::max);
        }

        @Override
        public void onJournalCommit(Duration duration, int entries, int keys) {
            commits.incrementAndGet();
            committedEntries.addAndGet(entries);
            largestBatch.accumulateAndGet(entries, Math::max);
        }

        /** Fewer fsyncs than appends, and every entry made durable by exactly one of them. */
        void assertShared(boolean journal, int appends) {
            AtomicLong fsyncs = journal ? commits : syncs;
            AtomicLong entries = journal ? committedEntries : syncedEntries;
            assertThat(fsyncs.get()).as("fsyncs for %d concurrent durable appends", appends).isLessThan(appends);
            assertThat(entries.get()).as("entries made durable, summed over the batch sizes").isEqualTo(appends);
        }
    }

    /** Runs {@code threads} threads of durable appends to key "hot"; returns each thread's refs, in order. */
    private static List<List<EntryRef>> durableAppendsToOneKey(Wal wal, int threads, int perThread, int size)
            throws InterruptedException {
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<List<EntryRef>> refs = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            List<EntryRef> mine = new ArrayList<>();
            refs.add(mine);
            workers.add(thread("durable-" + t, failures, () -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    mine.add(wal.logEntry("hot", null, TestPayloads.content(id(thread, i), size)));
                }
            }));
        }
        workers.forEach(Thread::start);
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertNoFailures(failures);
        return refs;
    }

    private static void assertEveryRefReadsItsEntry(Wal wal, List<List<EntryRef>> refs) {
        for (int t = 0; t < refs.size(); t++) {
            for (int i = 0; i < refs.get(t).size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(refs.get(t).get(i)))).isEqualTo(id(t, i));
            }
        }
    }

    /**
     * Rotation seals under the key's lock while other threads wait for the old segment's durability (its group
     * commit, or the journal's): the seal must not wait for them (a leader may need the lock). Tiny segments make
     * almost every append rotate.
     */
    @ParameterizedTest(name = "journal {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void durableAppendsToOneKeyRotatingConstantlyNeitherDeadlockNorLoseEntries(boolean journal) throws Exception {
        int threads = 8;
        int perThread = 150;
        DurabilityCount count = new DurabilityCount();
        WalOptions options = WalOptions.builder().maxSegmentSize(4 * 1024).journal(journal).build();
        try (Wal wal = Wal.open(dir, options)) {
            wal.addListener(count);
            List<List<EntryRef>> refs = durableAppendsToOneKey(wal, threads, perThread, 900);
            int appends = threads * perThread;
            assertThat(wal.keyInfo("hot").orElseThrow().segments()).as("segments of 4 KiB").isGreaterThan(appends / 5);
            count.assertShared(journal, appends);
            assertEveryRefReadsItsEntry(wal, refs);
        }
        try (Wal reopened = Wal.open(dir, options)) {
            assertThat(reopened.enumerateRecords("hot").count()).isEqualTo((long) threads * perThread);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void closeUnderLoadEitherAcknowledgesOrRefusesWithWalClosedException() throws Exception {
        int threads = 6;
        record Appended(EntryRef ref, long id, boolean durable) {
        }

        List<Appended> all = new ArrayList<>();
        for (int iteration = 0; iteration < 6; iteration++) {
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<List<Appended>> perThread = new ArrayList<>();
            AtomicLong refused = new AtomicLong();
            Wal wal = Wal.open(dir);
            CountDownLatch warmedUp = new CountDownLatch(threads);
            List<Thread> workers = new ArrayList<>();
            int round = iteration;
            for (int t = 0; t < threads; t++) {
                int thread = t;
                List<Appended> mine = new ArrayList<>();
                perThread.add(mine);
                workers.add(thread("appender-" + t, failures, () -> {
                    SplittableRandom random = new SplittableRandom(round * 100L + thread);
                    for (int i = 0; ; i++) {
                        long id = ((long) round << 40) | id(thread, i);
                        boolean durable = random.nextBoolean();
                        String key = random.nextBoolean() ? "busy" : "key-" + random.nextInt(20);
                        try {
                            EntryRef ref = wal.appendEntry(key, null, TestPayloads.content(id, 16 + random.nextInt(300)),
                                    durable);
                            mine.add(new Appended(ref, id, durable));
                        } catch (WalClosedException e) {
                            refused.incrementAndGet();
                            warmedUp.countDown();
                            return;
                        }
                        if (i == 50) {
                            warmedUp.countDown();
                        }
                    }
                }));
            }
            workers.add(thread("reader", failures, () -> {
                while (true) {
                    try {
                        try (Stream<WalRecord> records = wal.enumerateEntries("busy")) {
                            records.forEach(r -> TestPayloads.checkedId(r.content()));
                        }
                    } catch (WalClosedException e) {
                        return;
                    }
                }
            }));
            workers.forEach(Thread::start);
            warmedUp.await();
            wal.close();
            for (Thread worker : workers) {
                worker.join();
            }
            assertNoFailures(failures);
            assertThat(refused.get()).isEqualTo(threads);
            perThread.forEach(all::addAll);
            try (Wal reopened = Wal.open(dir)) {
                for (Appended appended : all) {
                    byte[] content;
                    try {
                        content = reopened.readEntryAt(appended.ref());
                    } catch (WalException e) {
                        throw new AssertionError("iteration " + iteration + ": " + (appended.durable() ? "durable" : "buffered")
                                + " append " + Long.toHexString(appended.id()) + " returned " + appended.ref()
                                + " before close(), but it cannot be read after reopening", e);
                    }
                    assertThat(TestPayloads.checkedId(content)).isEqualTo(appended.id());
                }
                long stored = reopened.keyInfos().stream().mapToLong(KeyInfo::entries).sum();
                assertThat(stored).as("entries on disk: the acknowledged ones (close() makes buffered ones durable)")
                        .isEqualTo(all.size());
            }
        }
    }

    /**
     * A stream is made while other threads append to the key: it must return intact entries (or fewer), never
     * report the tail being written as corruption. Tailing with enumerateEntriesAfter keeps every stream at the
     * end of the key, where appends land.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void tailingEnumerationWhileAppendingNeverSeesCorruption() throws Exception {
        int writers = 3;
        int perWriter = 15_000;
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean writing = new AtomicBoolean(true);
                AtomicLong streams = new AtomicLong();
        AtomicLong seen = new AtomicLong();
        try (Wal wal = Wal.open(dir)) {
            EntryRef first = wal.appendEntry("tail", null, TestPayloads.content(0, 16), false);
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int thread = t;
                threads.add(thread("writer-" + t, failures, () -> {
                    start.await();
                    SplittableRandom random = new SplittableRandom(thread);
                    for (int i = 0; i < perWriter; i++) {
                        wal.appendEntry("tail", null, TestPayloads.content(id(thread, i), 16 + random.nextInt(3000)),
                                i % 500 == 0);
                    }
                }));
            }
            Thread tailer = thread("tailer", failures, () -> {
                start.await();
                EntryRef position = first;
                while (writing.get()) {
                    EntryRef last = null;
                    try (Stream<WalRecord> records = wal.enumerateEntriesAfter(position)) {
                        for (WalRecord record : (Iterable<WalRecord>) records::iterator) {
                            TestPayloads.checkedId(record.content());
                            seen.incrementAndGet();
                            last = record.ref();
                        }
                    }
                    position = last == null ? position : last;
                    streams.incrementAndGet();
                }
            });
            threads.forEach(Thread::start);
            tailer.start();
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            writing.set(false);
            tailer.join();
            System.out.printf("ConcurrencyTest: %d tailing streams read %d entries while %d were appended%n",
                    streams.get(), seen.get(), writers * perWriter);
            assertNoFailures(failures);
            assertThat(wal.stats().corruptionsDetected()).isZero();
        }
    }

    interface Body {
        void run() throws Exception;
    }

    private static Thread thread(String name, Queue<Throwable> failures, Body body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failures.add(new AssertionError("thread " + name + " failed: " + e, e));
            }
        }, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void assertNoFailures(Queue<Throwable> failures) {
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError(failures.size() + " thread(s) failed; first: " + failures.peek());
            failures.forEach(error::addSuppressed);
            throw error;
        }
    }
}
