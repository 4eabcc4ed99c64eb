package dev.nanowal.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import dev.nanowal.WalOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Issue 12's "no buffered append waits for an fsync": {@code appends} buffered 100 B appends to one key with
 * default options (64 MiB segments, so several rotations), each timed on its own, for nano-wal, nano-wal without
 * background fsyncs ({@code backgroundSyncSize(0)}: what the background fsync thread's CPU costs the appending
 * thread on a small machine) and, as the yardstick of what the machine itself does to a loop of appends (GC,
 * scheduling, the JIT), the raw writer, plain and with nano-wal's background fsync policy (an fdatasync on another
 * thread every {@link WalOptions#DEFAULT_BACKGROUND_SYNC_SIZE} bytes written: what the kernel does to appends while
 * their file is fsynced, without nano-wal's code), the latter also on a preallocated file (zeros written and fsynced
 * first, so that no append grows the file). Each run is a fresh JVM, so that every subject meets a cold JIT and class
 * loading, as an application does after a start (in one JVM the first subject alone would pay for them), and the
 * subjects take turns first from round to round. Every subject runs twice a round: under G1, as an application
 * would, and under Epsilon, a collector that never collects (3M appends allocate about 120 MB, nano-wal's
 * {@code EntryRef}s; the raw writers allocate nothing), so that the collector's pauses are told from the library's
 * own. Prints per run how many appends took over 1 ms and over 10 ms, the slowest, the first append on its own (the
 * JVM loading the append path's classes), the collector's pauses (count and longest) and where the slow ones fell;
 * then per subject and collector the runs' totals. Not part of the table; no timing is asserted anywhere.
 *
 * <pre>./benchmarks/run.sh stalls [appends] [rounds]     (defaults 3000000 3)</pre>
 */
final class AppendStalls {

    private static final long ONE_MS = 1_000_000;
    private static final long TEN_MS = 10 * ONE_MS;
    private static final String NO_BACKGROUND = "nano-wal, no background sync";
    private static final String RAW_BACKGROUND = "raw, background fdatasync";
    private static final String RAW_PREALLOCATED_BACKGROUND = "raw-prealloc, background fdatasync";
    private static final String[] SUBJECTS = {"nano-wal", NO_BACKGROUND, "raw", RAW_BACKGROUND,
        RAW_PREALLOCATED_BACKGROUND};
    private static final String ONE_RUN = "--run";
    /** The collectors every subject runs under: the harness's own (G1, see run.sh) and one that never pauses. */
    private static final String[] COLLECTORS = {"G1", "Epsilon"};
    /**
     * Epsilon, its whole heap (run.sh's -Xmx) committed and touched at the start, as it never reuses memory; its
     * warnings on stderr, so that they do not mix with the line a run prints.
     */
    private static final List<String> EPSILON = List.of("-XX:+UnlockExperimentalVMOptions", "-XX:+UseEpsilonGC",
            "-Xms2g", "-XX:+AlwaysPreTouch", "-Xlog:disable", "-Xlog:all=warning:stderr");

    private AppendStalls() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals(ONE_RUN)) {
            run(args[1], Integer.parseInt(args[2]), Path.of(args[3]));
            return;
        }
        int appends = args.length > 0 ? Integer.parseInt(args[0]) : 3_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path root = Files.createTempDirectory("nanowal-stalls-");
        System.out.printf(Locale.ROOT, "%d buffered appends of %d B to one key per run, each timed; %d rounds, each run "
                + "in a fresh JVM%n", appends, Params.SMALL, rounds);
        System.out.printf(Locale.ROOT, "%-6s %-35s %-8s %8s %8s %9s %9s %9s %7s %9s %6s  %s%n", "round", "subject", "GC",
                "> 1 ms", "> 10 ms", "max ms", "first ms", "segments", "pauses", "pause max", "load",
                "appends over 10 ms (index: ms)");
        Map<String, Totals> totals = new LinkedHashMap<>();
        int runs = 0;
        try {
            for (int round = 1; round <= rounds; round++) {
                for (int turn = 0; turn < SUBJECTS.length; turn++) {
                    String subject = SUBJECTS[(turn + round - 1) % SUBJECTS.length];
                    for (String collector : COLLECTORS) {
                        Path dir = Files.createDirectory(root.resolve("run-" + runs++));
                        String line = inChildJvm(subject, collector, appends, dir);
                        System.out.printf(Locale.ROOT, "%-6d %-35s %-8s %s%n", round, subject, collector, line);
                        totals.computeIfAbsent(String.format(Locale.ROOT, "%-35s %-8s", subject, collector),
                                k -> new Totals()).add(line);
                    }
                }
            }
        } finally {
            BenchFiles.deleteTree(root);
        }
        System.out.printf(Locale.ROOT, "%nper subject and collector, over %d runs each:%n%-35s %-8s %10s %10s %13s %14s%n",
                rounds, "subject", "GC", "> 10 ms", "runs with", "slowest ms", "pause max ms");
        totals.forEach((subject, total) -> System.out.printf(Locale.ROOT, "%s %10d %10d %13.2f %14d%n", subject,
                total.overTen, total.runsOverTen, total.slowest, total.longestPause));
    }

    /** What the runs of one subject under one collector add up to, read back from the lines they printed. */
    private static final class Totals {
        long overTen;
        int runsOverTen;
        double slowest;
        long longestPause;

        void add(String line) {
            String[] fields = line.strip().split("\\s+");
            long over = Long.parseLong(fields[1]);
            overTen += over;
            runsOverTen += over > 0 ? 1 : 0;
            slowest = Math.max(slowest, Double.parseDouble(fields[2]));
            longestPause = Math.max(longestPause, Long.parseLong(fields[6]));
        }
    }

    /**
     * Runs one subject in a new JVM with this one's flags and class path, its collector replaced by Epsilon when
     * asked; returns the line it printed.
     */
    private static String inChildJvm(String subject, String collector, int appends, Path dir)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!(collector.equals("Epsilon") && flag.matches("-XX:\\+Use\\w+GC"))) {
                command.add(flag);
            }
        }
        if (collector.equals("Epsilon")) {
            command.addAll(EPSILON);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), AppendStalls.class.getName(), ONE_RUN,
                subject, Integer.toString(appends), dir.toString()));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (child.waitFor() != 0) {
            throw new IllegalStateException("The run of " + subject + " failed (exit " + child.exitValue() + "): " + out);
        }
        return out;
    }

    private static void run(String subject, int appends, Path dir) throws IOException, InterruptedException {
        byte[] payload = Bench.payload(Params.SMALL, 1);
        Pauses pauses = new Pauses();
        long overOne = 0;
        long max = 0;
        long first = 0;
        StringBuilder slow = new StringBuilder();
        int slowShown = 0;
        long overTen = 0;
        long segments;
        try (BenchLog log = open(subject, dir, appends)) {
            for (int i = 0; i < appends; i++) {
                long start = System.nanoTime();
                log.append(0, payload);
                long took = System.nanoTime() - start;
                if (i == 0) {
                    first = took;
                }
                if (took > ONE_MS) {
                    overOne++;
                    max = Math.max(max, took);
                    if (took > TEN_MS) {
                        overTen++;
                        if (slowShown++ < 8) {
                            slow.append(String.format(Locale.ROOT, " %d: %.1f", i, took / 1e6));
                        }
                    }
                }
            }
            log.sync();
            try (var files = Files.list(dir)) {
                segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
            }
        } finally {
            BenchFiles.emptyFiles(dir);
        }
        long longestPause = pauses.longest();
        System.out.printf(Locale.ROOT, "%8d %8d %9.2f %9.2f %9s %7d %9d %6s %s%n", overOne, overTen, max / 1e6,
                first / 1e6, subject.startsWith("raw") ? "-" : Long.toString(segments), pauses.count(),
                longestPause, Files.readString(Path.of("/proc/loadavg")).split(" ")[0], slow.toString().strip());
    }

    private static BenchLog open(String subject, Path dir, int appends) {
        return switch (subject) {
            case "raw" -> new RawSubject.Log(dir, 1, RawSubject.Durable.NAIVE, 0);
            case RAW_BACKGROUND -> new RawWithBackgroundSync(dir, 0);
            case RAW_PREALLOCATED_BACKGROUND ->
                new RawWithBackgroundSync(dir, (long) appends * (Params.SMALL + RawSubject.FRAME_HEADER));
            case NO_BACKGROUND -> new NanoWalSubject.Log(dir, 1, WalOptions.builder().backgroundSyncSize(0).build());
            default -> new NanoWalSubject.Log(dir, 1);
        };
    }

    /**
     * The collector's pauses in this JVM, from its notifications (which give each pause's length, not when it fell in
     * a time a slow append can be matched with; the Epsilon runs tell the pauses' part).
     */
    private static final class Pauses {
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong longest = new AtomicLong();

        Pauses() {
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) collector).addNotificationListener((notification, handback) -> {
                    GcInfo info = GarbageCollectionNotificationInfo.from(
                            (CompositeData) notification.getUserData()).getGcInfo();
                    count.incrementAndGet();
                    longest.accumulateAndGet(info.getDuration(), Math::max);
                }, notification -> notification.getType().equals(
                        GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION), null);
            }
        }

        /** The longest pause in ms, once the notifications of every collection so far arrived (they come late). */
        long longest() throws InterruptedException {
            long collections = 0;
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                collections += Math.max(0, collector.getCollectionCount());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (count.get() < collections && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return longest.get();
        }

        long count() {
            return count.get();
        }
    }

    /** The raw writer, one file, with an fdatasync on a background thread each time another 4 MiB were written. */
    private static final class RawWithBackgroundSync implements BenchLog {
        private final RawSubject.RawFile file;
        private final ExecutorService syncs = Executors.newSingleThreadExecutor(task -> {
            Thread daemon = new Thread(task, "raw-background-sync");
            daemon.setDaemon(true);
            return daemon;
        });
        private final AtomicBoolean queued = new AtomicBoolean();
        private long asked;

        /** @param preallocate bytes of zeros written and fsynced first, so that the appends never grow the file */
        RawWithBackgroundSync(Path dir, long preallocate) {
            file = new RawSubject.RawFile(RawSubject.file(dir, 0), true);
            if (preallocate > 0) {
                try {
                    RawSubject.preallocate(file.channel(), preallocate);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public void append(int key, byte[] payload) {
            file.put(payload);
            if (file.position - asked >= WalOptions.DEFAULT_BACKGROUND_SYNC_SIZE && queued.compareAndSet(false, true)) {
                asked = file.position;
                FileChannel channel = file.channel;
                syncs.execute(() -> {
                    queued.set(false);
                    try {
                        channel.force(false);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }

        @Override
        public void appendDurable(int key, byte[] payload) {
            throw new UnsupportedOperationException("buffered appends only");
        }

        @Override
        public void sync() {
            file.force(false);
        }

        @Override
        public void close() {
            syncs.shutdown();
            try {
                if (!syncs.awaitTermination(1, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("The background fdatasync did not end within a minute");
                }
                file.flush();
                file.closeChannel();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
