package dev.nanowal.bench;

import dev.nanowal.WalOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * W1/W5 split in their two phases, appends and the final sync, for raw and for nano-wal with options that take
 * one cost out each: a fixed clock (no clock read per entry) and 1 GiB segments (no rotation, so no seal fsync
 * among the timed appends). Where W1's time goes, in ns per append; not part of the table.
 *
 * With {@code batch} over 1, each subject appends {@code appendBatch}es of that many entries to one key (W1B) and
 * {@code raw-frame} joins in; with it, "nano-wal, no background sync" shows what {@code backgroundSyncSize} moves
 * from the final sync into the time of the appends.
 *
 * <pre>./benchmarks/run.sh phases [appends] [keys] [rounds] [batch]     (defaults 1000000 1 12 1)</pre>
 */
final class AppendPhases {

    private AppendPhases() {
    }

    public static void main(String[] args) throws Exception {
        int appends = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Path root = Files.createTempDirectory("nanowal-phases-");
        WalOptions fixedClock = WalOptions.builder().clock(Clock.fixed(Instant.now(), ZoneOffset.UTC)).build();
        Map<String, Function<Path, BenchLog>> subjects = new LinkedHashMap<>();
        subjects.put("raw", dir -> new RawSubject.Log(dir, keys, RawSubject.Durable.NAIVE, 0));
        subjects.put("nano-wal", dir -> new NanoWalSubject.Log(dir, keys));
        subjects.put("nano-wal, no background sync",
                dir -> new NanoWalSubject.Log(dir, keys, WalOptions.builder().backgroundSyncSize(0).build()));
        if (batch > 1) {
            subjects.put("raw-frame", dir -> new FrameFloorSubject(dir, keys));
        }
        subjects.put("nano-wal, fixed clock", dir -> new NanoWalSubject.Log(dir, keys, fixedClock));
        subjects.put("nano-wal, fixed clock, 1 GiB segments",
                dir -> new NanoWalSubject.Log(dir, keys, fixedClock.toBuilder().maxSegmentSize(1L << 30).build()));
        Map<String, List<double[]>> measured = new LinkedHashMap<>();
        byte[] payload = Bench.payload(Params.SMALL, 1);
        byte[][] payloads = new byte[batch][];
        Arrays.fill(payloads, payload);
        int runs = 0;
        try {
            for (int round = 0; round < rounds; round++) {
                for (Map.Entry<String, Function<Path, BenchLog>> subject : subjects.entrySet()) {
                    Path dir = Files.createDirectory(root.resolve("run-" + runs++));
                    try (BenchLog log = subject.getValue().apply(dir)) {
                        long start = System.nanoTime();
                        if (batch > 1) {
                            for (int i = 0; i < appends / batch; i++) {
                                log.appendBatch(0, payloads);
                            }
                        } else {
                            for (int i = 0; i < appends; i++) {
                                log.append(i % keys, payload);
                            }
                        }
                        long appended = System.nanoTime();
                        log.sync();
                        long synced = System.nanoTime();
                        // the first third of the rounds warm the JIT up
                        if (round >= rounds / 3) {
                            measured.computeIfAbsent(subject.getKey(), s -> new ArrayList<>()).add(new double[] {
                                (appended - start) / (double) appends, (synced - appended) / 1e6,
                                appends / ((synced - start) / 1e9)});
                        }
                    } finally {
                        BenchFiles.emptyFiles(dir);
                    }
                }
            }
        } finally {
            BenchFiles.deleteTree(root);
        }
        System.out.printf(Locale.ROOT, "%d appends of %d B over %d key(s)%s, medians of %d rounds after %d warm-up%n",
                appends, Params.SMALL, keys, batch > 1 ? " in batches of " + batch : "", rounds - rounds / 3,
                rounds / 3);
        System.out.printf(Locale.ROOT, "%-40s %14s %12s %14s%n", "subject", "append ns/op", "sync ms", "appends/s");
        for (Map.Entry<String, List<double[]>> subject : measured.entrySet()) {
            System.out.printf(Locale.ROOT, "%-40s %14.1f %12.1f %,14.0f%n", subject.getKey(),
                    median(subject.getValue(), 0), median(subject.getValue(), 1), median(subject.getValue(), 2));
        }
    }

    private static double median(List<double[]> rows, int column) {
        double[] values = rows.stream().mapToDouble(row -> row[column]).sorted().toArray();
        return values[values.length / 2];
    }
}
