package dev.nanowal.bench;

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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * subjects take turns first from round to round. Prints per run how many appends took over 1 ms and over 10 ms, the
 * slowest, the first append on its own (the JVM loading the append path's classes) and where the slow ones fell.
 * Not part of the table; no timing is asserted anywhere.
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
        System.out.printf(Locale.ROOT, "%-6s %-35s %8s %8s %9s %9s %9s %10s %6s  %s%n", "round", "subject", "> 1 ms",
                "> 10 ms", "max ms", "first ms", "segments", "GC pauses", "load", "appends over 10 ms (index: ms)");
        int runs = 0;
        try {
            for (int round = 1; round <= rounds; round++) {
                for (int turn = 0; turn < SUBJECTS.length; turn++) {
                    String subject = SUBJECTS[(turn + round - 1) % SUBJECTS.length];
                    Path dir = Files.createDirectory(root.resolve("run-" + runs++));
                    String line = inChildJvm(subject, appends, dir);
                    System.out.printf(Locale.ROOT, "%-6d %-35s %s%n", round, subject, line);
                }
            }
        } finally {
            BenchFiles.deleteTree(root);
        }
    }

    /** Runs one subject in a new JVM with this one's flags and class path; returns the line it printed. */
    private static String inChildJvm(String subject, int appends, Path dir) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), AppendStalls.class.getName(), ONE_RUN,
                subject, Integer.toString(appends), dir.toString()));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (child.waitFor() != 0) {
            throw new IllegalStateException("The run of " + subject + " failed (exit " + child.exitValue() + "): " + out);
        }
        return out;
    }

    private static void run(String subject, int appends, Path dir) throws IOException {
        byte[] payload = Bench.payload(Params.SMALL, 1);
        long gcBefore = gcMillis();
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
        System.out.printf(Locale.ROOT, "%8d %8d %9.2f %9.2f %9s %7d ms %6s %s%n", overOne, overTen, max / 1e6, first / 1e6,
                subject.startsWith("raw") ? "-" : Long.toString(segments), gcMillis() - gcBefore,
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0], slow.toString().strip());
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

    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
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
