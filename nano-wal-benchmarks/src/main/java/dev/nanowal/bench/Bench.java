package dev.nanowal.bench;

import dev.nanowal.WalOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * The benchmark harness: runs W1-W5, R1, R2, O1 and M1 (see issue 4 and benchmarks/README.md), W1B and W6
 * (issue 12) for every subject in one JVM, subjects interleaved within each repetition (A B C, A B C, ...) so
 * that a noisy neighbour hurts all of them alike, warm-up rounds first, then reports median and min-max and
 * the ratio of each subject's median to the baseline's ({@code raw}; {@code raw-naive} for W4).
 *
 * <pre>java -cp ... dev.nanowal.bench.Bench quick|full|smoke [--only W1,R2] [--threads 16,64] [--dir /tmp]
 *     [--results FILE] [--command TEXT]</pre>
 *
 * {@code --threads} sets W6's thread counts.
 */
public final class Bench {

    private final Params params;
    private final Path root;
    private final List<String> only;
    private final List<Row> rows = new ArrayList<>();
    private final Rounds rounds;
    private final byte[] small = payload(Params.SMALL, 1);
    private final byte[] large = payload(Params.LARGE, 2);
    private int runCounter;

    Bench(Params params, Path root, List<String> only) {
        this.params = params;
        this.root = root;
        this.only = only;
        this.rounds = new Rounds(params, rows);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Bench quick|full|smoke [--only W1,R2] [--threads 16,64] [--dir DIR] [--results FILE]"
                    + " [--command TEXT]");
            System.exit(2);
        }
        Params params = Params.of(args[0]);
        List<String> only = List.of();
        Path base = Paths.get(System.getProperty("java.io.tmpdir"));
        Path results = null;
        String command = "Bench " + String.join(" ", args);
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--only" -> only = Arrays.asList(args[i + 1].split(","));
                case "--threads" -> params = params.withW6Threads(Stream.of(args[i + 1].split(","))
                        .map(Integer::valueOf).toList());
                case "--dir" -> base = Paths.get(args[i + 1]);
                case "--results" -> results = Paths.get(args[i + 1]);
                case "--command" -> command = args[i + 1];
                default -> throw new IllegalArgumentException("Unknown option " + args[i]);
            }
        }
        Files.createDirectories(base);
        Path root = Files.createTempDirectory(base, "nanowal-bench-");
        Thread cleanup = new Thread(() -> BenchFiles.deleteTree(root));
        Runtime.getRuntime().addShutdownHook(cleanup);
        long started = System.nanoTime();
        List<Row> rows;
        try {
            rows = new Bench(params, root, only).run();
        } finally {
            BenchFiles.deleteTree(root);
        }
        String table = Report.table(rows);
        System.out.println();
        System.out.println(table);
        System.out.printf(Locale.ROOT, "(%s run took %.0f s)%n", params.name(), (System.nanoTime() - started) / 1e9);
        if (results != null) {
            String previous = Files.exists(results) ? Files.readString(results) : "";
            Files.writeString(results, Report.resultsMarkdown(params, command, table, previous));
            System.out.println("Wrote " + results);
        }
        if (rows.stream().anyMatch(r -> r.error != null)) {
            System.exit(1);
        }
    }

    /** Runs every selected workload; never throws for a failing subject (its row carries the error). */
    List<Row> run() {
        if (selected("W1")) {
            appendWorkload("W1 1 key, 100 B", params.w1(), 1, small);
        }
        if (selected("W1B")) {
            w1Batch();
        }
        if (selected("W2")) {
            appendWorkload("W2 1 key, 4 KiB", params.w2(), 1, large);
        }
        if (selected("W3")) {
            w3();
        }
        if (selected("W4")) {
            for (int threads : new int[] {4, 16}) {
                w4(threads, true);
                w4(threads, false);
            }
        }
        if (selected("W5")) {
            w5("W5 " + params.w5Keys() + " keys x " + params.w5Appends(), params.w5Keys(), params.w5Appends(),
                    params.warmups(), params.reps());
            w5("W5 " + params.w5ManyKeys() + " keys x " + params.w5ManyAppends(), params.w5ManyKeys(),
                    params.w5ManyAppends(), 0, params.w5ManyReps());
        }
        if (selected("W6")) {
            params.w6Threads().forEach(this::w6);
        }
        if (selected("R1") || selected("R2")) {
            new ReadWorkloads(params, rounds, rows, this::newDir, small).run(selected("R1"), selected("R2"));
        }
        if (selected("O1")) {
            o1();
        }
        if (selected("M1")) {
            m1();
        }
        return rows;
    }

    private boolean selected(String workload) {
        return only.isEmpty() || only.contains(workload);
    }

    // ---------------------------------------------------------------- W1, W2: buffered appends, one sync

    private void appendWorkload(String name, int count, int keys, byte[] payload) {
        Map<String, BiFunction<Path, Integer, BenchLog>> subjects = new LinkedHashMap<>();
        subjects.put("nano-wal", NanoWalSubject.Log::new);
        subjects.put("raw", (dir, k) -> new RawSubject.Log(dir, k, RawSubject.Durable.NAIVE, 0));
        if (keys == 1 && payload.length == Params.SMALL) {
            subjects.put("raw-frame", FrameFloorSubject::new);
        }
        subjects.put("chronicle", (dir, k) -> new ChronicleSubject.Log(dir, k, false));
        rounds.repeat(name, "appends/s", true, "raw", subjects.keySet(), (subject, row) -> {
            Path dir = newDir(name, subject);
            try (BenchLog log = subjects.get(subject).apply(dir, keys)) {
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    log.append(0, payload);
                }
                log.sync();
                return count / seconds(start);
            } finally {
                BenchFiles.emptyFiles(dir);
            }
        });
    }

    // ---------------------------------------------------------------- W1B: buffered batches, one sync

    private void w1Batch() {
        String name = "W1B 1 key, batches of " + Params.BATCH + " x 100 B";
        int batches = params.w1() / Params.BATCH;
        byte[][] batch = new byte[Params.BATCH][];
        Arrays.fill(batch, small);
        Map<String, BiFunction<Path, Integer, BenchLog>> subjects = new LinkedHashMap<>();
        subjects.put("nano-wal", NanoWalSubject.Log::new);
        subjects.put("raw", (dir, k) -> new RawSubject.Log(dir, k, RawSubject.Durable.NAIVE, 0));
        subjects.put("raw-frame", FrameFloorSubject::new);
        rounds.repeat(name, "appends/s", true, "raw", subjects.keySet(), (subject, row) -> {
            Path dir = newDir(name, subject);
            try (BenchLog log = subjects.get(subject).apply(dir, 1)) {
                long start = System.nanoTime();
                for (int i = 0; i < batches; i++) {
                    log.appendBatch(0, batch);
                }
                log.sync();
                return (double) batches * Params.BATCH / seconds(start);
            } finally {
                BenchFiles.emptyFiles(dir);
            }
        });
        Row nano = rows.get(rows.size() - 3);
        Row raw = rows.get(rows.size() - 2);
        Row frame = rows.get(rows.size() - 1);
        if (nano.ok() && raw.ok() && frame.ok()) {
            nano.notes.add(perRoundRatio(nano, raw) + "; " + perRoundRatio(nano, frame));
            frame.notes.add(perRoundRatio(frame, raw));
        }
    }

    // ---------------------------------------------------------------- W3: durable appends, one thread

    private void w3() {
        String name = "W3 durable, 1 thread";
        int count = params.w3();
        long prealloc = (long) count * (RawSubject.FRAME_HEADER + Params.SMALL) + RawSubject.BUFFER;
        Map<String, BiFunction<Path, Integer, BenchLog>> subjects = new LinkedHashMap<>();
        subjects.put("nano-wal", NanoWalSubject.Log::new);
        subjects.put("raw", (dir, k) -> new RawSubject.Log(dir, k, RawSubject.Durable.NAIVE, 0));
        subjects.put("raw-prealloc", (dir, k) -> new RawSubject.Log(dir, k, RawSubject.Durable.PREALLOCATED, prealloc));
        subjects.put("chronicle", (dir, k) -> new ChronicleSubject.Log(dir, k, true));
        subjects.put("tape", TapeSubject::new);
        Map<String, List<long[]>> latencies = new LinkedHashMap<>();
        rounds.repeat(name, "appends/s", true, "raw", subjects.keySet(), (subject, row) -> {
            Path dir = newDir(name, subject);
            long[] nanos = new long[count];
            try (BenchLog log = subjects.get(subject).apply(dir, 1)) {
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    long t = System.nanoTime();
                    log.appendDurable(0, small);
                    nanos[i] = System.nanoTime() - t;
                }
                double rate = count / seconds(start);
                observe(row, log);
                latencies.computeIfAbsent(subject, s -> new ArrayList<>()).add(Latencies.percentiles(nanos));
                return rate;
            } finally {
                BenchFiles.emptyFiles(dir);
            }
        });
        for (Row row : rows) {
            List<long[]> measured = latencies.get(row.subject);
            if (row.workload.equals(name) && measured != null && row.ok()) {
                row.notes.add(Latencies.note(measured, 1e3, "us"));
            }
        }
    }

    // ---------------------------------------------------------------- W4: durable appends, many threads

    private void w4(int threads, boolean sameKey) {
        String name = "W4 durable, " + threads + " threads, " + (sameKey ? "same key" : "key per thread");
        int perThread = Math.max(1, params.w4Appends() / threads);
        int keys = sameKey ? 1 : threads;
        Map<String, BiFunction<Path, Integer, BenchLog>> subjects = new LinkedHashMap<>();
        subjects.put("nano-wal", NanoWalSubject.Log::new);
        subjects.put("raw-naive", (dir, k) -> new RawSubject.Log(dir, k, RawSubject.Durable.NAIVE, 0));
        subjects.put("raw-group", (dir, k) -> new RawSubject.Log(dir, k, RawSubject.Durable.GROUP, 0));
        subjects.put("chronicle", (dir, k) -> new ChronicleSubject.Log(dir, k, true));
        subjects.put("tape", TapeSubject::new);
        rounds.repeat(name, "appends/s", true, "raw-naive", subjects.keySet(), (subject, row) -> {
            Path dir = newDir(name, subject);
            try (BenchLog log = subjects.get(subject).apply(dir, keys)) {
                CountDownLatch go = new CountDownLatch(1);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int key = sameKey ? 0 : t;
                    Thread worker = new Thread(() -> {
                        try {
                            go.await();
                            for (int i = 0; i < perThread; i++) {
                                log.appendDurable(key, small);
                            }
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }, "w4-" + t);
                    worker.start();
                    workers.add(worker);
                }
                long start = System.nanoTime();
                go.countDown();
                for (Thread worker : workers) {
                    worker.join();
                }
                double rate = (double) perThread * threads / seconds(start);
                observe(row, log);
                if (failure.get() != null) {
                    throw new IllegalStateException(failure.get());
                }
                return rate;
            } finally {
                BenchFiles.emptyFiles(dir);
            }
        });
    }

    // ---------------------------------------------------------------- W5: many keys, round robin

    /** The default cap before 0.1.0 raised it to 1,024. */
    private static final int LOW_OPEN_FILES = 256;

    private void w5(String name, int keys, int appendsPerKey, int warmups, int reps) {
        Map<String, BiFunction<Path, Integer, BenchLog>> subjects = new LinkedHashMap<>();
        subjects.put("nano-wal", NanoWalSubject.Log::new);
        if (keys > LOW_OPEN_FILES && keys <= WalOptions.DEFAULT_MAX_OPEN_FILES) {
            // what a cap below the number of keys costs: round robin then reopens a file per append
            subjects.put("nano-wal-" + LOW_OPEN_FILES, (dir, k) -> new NanoWalSubject.Log(dir, k,
                    WalOptions.builder().maxOpenFiles(LOW_OPEN_FILES).build()));
        }
        subjects.put("raw", (dir, k) -> new RawSubject.Log(dir, k, RawSubject.Durable.NAIVE, 0));
        Map<String, Integer> maxFds = new LinkedHashMap<>();
        rounds.repeat(name, "appends/s", true, "raw", subjects.keySet(), warmups, reps, (subject, row) -> {
            Path dir = newDir(name, subject);
            FdSampler sampler = new FdSampler();
            try (BenchLog log = subjects.get(subject).apply(dir, keys)) {
                sampler.start();
                long start = System.nanoTime();
                for (int a = 0; a < appendsPerKey; a++) {
                    for (int k = 0; k < keys; k++) {
                        log.append(k, small);
                    }
                }
                log.sync();
                double rate = (double) keys * appendsPerKey / seconds(start);
                maxFds.merge(subject, sampler.stop(), Math::max);
                return rate;
            } finally {
                sampler.stop();
                BenchFiles.emptyFiles(dir);
            }
        });
        for (Row row : rows) {
            if (row.workload.equals(name) && maxFds.containsKey(row.subject)) {
                row.notes.add("max open fds " + maxFds.get(row.subject) + " (process, sampled)");
            }
        }
    }

    // ---------------------------------------------------------------- W6: durable appends, many threads, many keys

    /** The shared subject's file: far more than a group of frames, reused from its start when full. */
    private static final long SHARED_FILE_SIZE = 16L << 20;

    /**
     * Threads appending durably, each to a random key (its own seeded {@link Random}) out of {@code w6Keys},
     * for {@code w6Millis}. Before the clock starts, the threads append once to every key between them, so the
     * timed appends measure a running log, not the creation of its files.
     */
    private void w6(int threads) {
        String name = "W6 durable, " + threads + " threads, " + params.w6Keys() + " random keys";
        int keys = params.w6Keys();
        Map<String, BiFunction<Path, Integer, BenchLog>> subjects = new LinkedHashMap<>();
        subjects.put("nano-wal", NanoWalSubject.Log::new);
        subjects.put("naive", (dir, k) -> new RawSubject.Log(dir, k, RawSubject.Durable.DATASYNC, 0));
        subjects.put("shared", (dir, k) -> new SharedSubject(dir, SHARED_FILE_SIZE));
        Map<String, List<long[]>> latencies = new LinkedHashMap<>();
        rounds.repeat(name, "appends/s", true, "shared", subjects.keySet(), params.w6Warmups(), params.reps(),
                (subject, row) -> {
            Path dir = newDir(name, subject);
            try (BenchLog log = subjects.get(subject).apply(dir, keys)) {
                CountDownLatch ready = new CountDownLatch(threads);
                CountDownLatch go = new CountDownLatch(1);
                long[] deadline = new long[1];
                AtomicReference<Throwable> failure = new AtomicReference<>();
                List<Samples> samples = new ArrayList<>();
                List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t;
                    Samples mine = new Samples();
                    samples.add(mine);
                    Thread worker = new Thread(() -> {
                        try {
                            for (int key = first; key < keys; key += threads) {
                                log.appendDurable(key, small);
                            }
                            ready.countDown();
                            go.await();
                            Random random = new Random(first);
                            do {
                                int key = random.nextInt(keys);
                                long start = System.nanoTime();
                                log.appendDurable(key, small);
                                mine.add(System.nanoTime() - start);
                            } while (System.nanoTime() < deadline[0] && failure.get() == null);
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                            ready.countDown();
                        }
                    }, "w6-" + t);
                    worker.start();
                    workers.add(worker);
                }
                ready.await();
                long start = System.nanoTime();
                deadline[0] = start + params.w6Millis() * 1_000_000;
                go.countDown();
                for (Thread worker : workers) {
                    worker.join();
                }
                double elapsed = seconds(start);
                if (failure.get() != null) {
                    throw new IllegalStateException(failure.get());
                }
                long[] nanos = Samples.merge(samples);
                observe(row, log);
                latencies.computeIfAbsent(subject, s -> new ArrayList<>()).add(Latencies.percentiles(nanos));
                return nanos.length / elapsed;
            } finally {
                BenchFiles.emptyFiles(dir);
            }
        });
        Map<String, Row> measured = new LinkedHashMap<>();
        for (Row row : rows) {
            if (row.workload.equals(name) && row.ok()) {
                measured.put(row.subject, row);
                row.notes.add(Latencies.note(latencies.get(row.subject), 1e6, "ms"));
            }
        }
        Row nano = measured.get("nano-wal");
        Row naive = measured.get("naive");
        Row shared = measured.get("shared");
        if (nano != null && naive != null) {
            nano.notes.add(String.format(Locale.ROOT, "%.2fx naive", nano.median() / naive.median()));
        }
        for (Row peer : new Row[] {shared, naive}) {
            if (nano != null && peer != null) {
                nano.notes.add(perRoundRatio(nano, peer));
            }
        }
    }

    /**
     * The ratio of two subjects' rates within each round (they ran one after the other, under the same
     * neighbours): median and range. Steadier than the ratio of medians when the machine's load moves.
     */
    private static String perRoundRatio(Row subject, Row peer) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(subject.values.size(), peer.values.size()); i++) {
            ratios.add(subject.values.get(i) / peer.values.get(i));
        }
        return String.format(Locale.ROOT, "per round %.2fx %s (%.2f - %.2f)", Row.median(ratios), peer.subject,
                Collections.min(ratios), Collections.max(ratios));
    }

    // ---------------------------------------------------------------- O1: reopen after an unclean stop

    /**
     * O1: the time from {@code Wal.open} to the first append returned, after an unclean stop. {@code nano-wal}
     * and {@code raw} were written without waiting for stable storage; the durable subjects
     * ({@link UncleanWriter}) leave a commit journal for the open to replay: with default options whatever came
     * after the last checkpoint, and {@code nano-wal-replay} the largest journal a crash leaves when checkpoints
     * do not fail (just under half of the largest journal file).
     */
    private void o1() {
        String name = "O1 reopen " + (params.o1Bytes() >> 20) + " MiB / " + params.o1Keys() + " keys";
        List<String> subjects = List.of("nano-wal", "raw", UncleanWriter.DURABLE, UncleanWriter.REPLAY);
        Map<String, Row> mine = new LinkedHashMap<>();
        for (String subject : subjects) {
            Row row = new Row(name, subject, "ms to 1st append", false, "raw");
            mine.put(subject, row);
            rows.add(row);
        }
        Map<String, String> last = new LinkedHashMap<>();
        for (int rep = 0; rep < params.o1Reps(); rep++) {
            for (Row row : mine.values()) {
                if (row.error != null) {
                    continue;
                }
                Path dir = newDir(name, row.subject);
                try {
                    long bytes = row.subject.equals(UncleanWriter.REPLAY) ? UncleanWriter.replayBytes(params.o1Bytes())
                            : params.o1Bytes();
                    UncleanWriter.runChild(row.subject, dir, bytes, params.o1Keys());
                    System.gc();
                    long start = System.nanoTime();
                    if (row.subject.equals("raw")) {
                        long cut = RawSubject.reopenAndAppend(dir, params.o1Keys(), small);
                        row.values.add((System.nanoTime() - start) / 1e6);
                        last.put(row.subject, "scans + CRC-checks every frame; cut " + cut + " B (last rep)");
                    } else {
                        try (dev.nanowal.Wal wal = dev.nanowal.Wal.open(dir)) {
                            wal.appendEntry("k0", null, small, false);
                            row.values.add((System.nanoTime() - start) / 1e6);
                            dev.nanowal.JournalStats journal = wal.journalStats();
                            last.put(row.subject, String.format(Locale.ROOT, "%d MiB written; cut %d B of torn tail; "
                                    + "replayed %d ranges, %.1f MiB in %d ms (last rep); page cache warm", bytes >> 20,
                                    wal.stats().bytesTruncatedAtRecovery(), journal.replayedRanges(),
                                    journal.replayedBytes() / (1024.0 * 1024), journal.replayTime().toMillis()));
                        }
                    }
                    Rounds.progress(row, rep);
                } catch (Throwable e) {
                    row.error = Rounds.describe(e);
                } finally {
                    BenchFiles.emptyFiles(dir);
                }
            }
        }
        last.forEach((subject, note) -> mine.get(subject).notes.add(note));
    }

    // ---------------------------------------------------------------- M1: heap after many appends

    private void m1() {
        String name = "M1 " + params.m1() + " appends / " + params.m1Keys() + " keys";
        Map<String, BiFunction<Path, Integer, BenchLog>> subjects = new LinkedHashMap<>();
        subjects.put("nano-wal", NanoWalSubject.Log::new);
        subjects.put("raw", (dir, k) -> new RawSubject.Log(dir, k, RawSubject.Durable.NAIVE, 0));
        for (String subject : subjects.keySet()) {
            Row row = new Row(name, subject, "MiB heap after GC", false, null);
            rows.add(row);
            Path dir = newDir(name, subject);
            try (BenchLog log = subjects.get(subject).apply(dir, params.m1Keys())) {
                double before = usedHeapMiB();
                List<String> marks = new ArrayList<>();
                long total = params.m1();
                long next = total / 10;
                for (long i = 0; i < total; i++) {
                    log.append((int) (i % params.m1Keys()), small);
                    if (i + 1 == next || i + 1 == total) {
                        marks.add(String.format(Locale.ROOT, "%d%%: %.1f", (i + 1) * 100 / total, usedHeapMiB()));
                        next = next == total / 10 ? total / 2 : total;
                    }
                }
                double after = usedHeapMiB();
                row.values.add(after);
                row.notes.add(String.format(Locale.ROOT, "before: %.1f; %s MiB", before, String.join(", ", marks)));
                Rounds.progress(row, 0);
            } catch (Throwable e) {
                row.error = Rounds.describe(e);
            } finally {
                BenchFiles.emptyFiles(dir);
            }
        }
    }

    private static double usedHeapMiB() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
    }

    /** Keeps what the subject observed in its last run (one note per row). */
    private static void observe(Row row, BenchLog log) {
        String observed = log.observed();
        if (observed != null) {
            row.notes.removeIf(n -> n.startsWith("last rep: "));
            row.notes.add("last rep: " + observed);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Path newDir(String workload, String subject) {
        Path dir = root.resolve(workload.split(" ")[0] + "-" + subject + "-" + (runCounter++));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    static byte[] payload(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

}
