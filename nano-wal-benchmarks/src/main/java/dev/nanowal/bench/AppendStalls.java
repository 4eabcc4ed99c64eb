package dev.nanowal.bench;

import dev.nanowal.WalOptions;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Issue 12's "no buffered append waits for an fsync": {@code appends} buffered 100 B appends to one key with
 * default options (64 MiB segments, so several rotations), each timed on its own, for nano-wal, nano-wal without
 * background fsyncs ({@code backgroundSyncSize(0)}: what the background fsync thread's CPU costs the appending
 * thread on a small machine) and, as the yardstick of what the machine itself does to a loop of appends (GC,
 * scheduling), the raw writer. Prints per
 * subject how many appends took over 1 ms and over 10 ms, the slowest, and the GC pauses of the run. Not part
 * of the table; no timing is asserted anywhere.
 *
 * <pre>./benchmarks/run.sh stalls [appends] [rounds]     (defaults 3000000 3)</pre>
 */
final class AppendStalls {

    private static final long ONE_MS = 1_000_000;
    private static final long TEN_MS = 10 * ONE_MS;
    private static final String NO_BACKGROUND = "nano-wal, no background sync";

    private AppendStalls() {
    }

    public static void main(String[] args) throws Exception {
        int appends = args.length > 0 ? Integer.parseInt(args[0]) : 3_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        byte[] payload = Bench.payload(Params.SMALL, 1);
        Path root = Files.createTempDirectory("nanowal-stalls-");
        System.out.printf(Locale.ROOT, "%d buffered appends of %d B to one key per run, each timed; %d rounds%n",
                appends, Params.SMALL, rounds);
        System.out.printf(Locale.ROOT, "%-6s %-29s %10s %10s %12s %10s %12s %s%n", "round", "subject", "> 1 ms", "> 10 ms",
                "max ms", "segments", "GC pauses", "load");
        int runs = 0;
        try {
            for (int round = 1; round <= rounds; round++) {
                for (String subject : new String[] {"nano-wal", NO_BACKGROUND, "raw"}) {
                    Path dir = Files.createDirectory(root.resolve("run-" + runs++));
                    long gcBefore = gcMillis();
                    long overOne = 0;
                    long overTen = 0;
                    long max = 0;
                    long segments;
                    try (BenchLog log = open(subject, dir)) {
                        for (int i = 0; i < appends; i++) {
                            long start = System.nanoTime();
                            log.append(0, payload);
                            long took = System.nanoTime() - start;
                            if (took > ONE_MS) {
                                overOne++;
                                overTen += took > TEN_MS ? 1 : 0;
                                max = Math.max(max, took);
                            }
                        }
                        log.sync();
                        try (var files = Files.list(dir)) {
                            segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
                        }
                    } finally {
                        BenchFiles.emptyFiles(dir);
                    }
                    System.out.printf(Locale.ROOT, "%-6d %-29s %10d %10d %12.2f %10s %9d ms %s%n", round, subject, overOne,
                            overTen, max / 1e6, subject.equals("raw") ? "-" : Long.toString(segments),
                            gcMillis() - gcBefore, Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                }
            }
        } finally {
            BenchFiles.deleteTree(root);
        }
    }

    private static BenchLog open(String subject, Path dir) {
        return switch (subject) {
            case "raw" -> new RawSubject.Log(dir, 1, RawSubject.Durable.NAIVE, 0);
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
}
