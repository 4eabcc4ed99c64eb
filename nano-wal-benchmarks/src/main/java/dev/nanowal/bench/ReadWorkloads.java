package dev.nanowal.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * R1 (a scan of every record) and R2 (random reads by reference) of {@link Bench}: each subject writes its
 * records once, before the rounds, and both workloads read that same data.
 */
final class ReadWorkloads {

    private final Params params;
    private final Rounds rounds;
    private final List<Row> rows;
    private final BiFunction<String, String, Path> newDir;
    private final byte[] small;

    /**
     * @param rows the harness's rows, where {@code rounds} adds these workloads' and this class adds notes
     * @param newDir makes a new empty directory for a workload and subject
     */
    ReadWorkloads(Params params, Rounds rounds, List<Row> rows, BiFunction<String, String, Path> newDir,
            byte[] small) {
        this.params = params;
        this.rounds = rounds;
        this.rows = rows;
        this.newDir = newDir;
        this.small = small;
    }

    /** Writes the records for every subject once, then runs the selected read workloads over them. */
    void run(boolean r1, boolean r2) {
        int records = params.r1();
        Map<String, BiFunction<Path, Integer, ReadSubject>> subjects = new LinkedHashMap<>();
        subjects.put("nano-wal", (dir, n) -> new NanoWalSubject.Reader(dir, n, small));
        subjects.put("raw", (dir, n) -> new RawSubject.Reader(dir, n, small));
        subjects.put("chronicle", (dir, n) -> new ChronicleSubject.Reader(dir, n, small));
        Map<String, ReadSubject> opened = new LinkedHashMap<>();
        Map<String, Path> dirs = new LinkedHashMap<>();
        Map<String, String> setupErrors = new LinkedHashMap<>();
        for (String subject : subjects.keySet()) {
            Path dir = newDir.apply("R", subject);
            dirs.put(subject, dir);
            try {
                opened.put(subject, subjects.get(subject).apply(dir, records));
            } catch (Throwable e) {
                setupErrors.put(subject, Rounds.describe(e));
            }
        }
        try {
            if (r1) {
                String name = "R1 scan " + records + " x 100 B";
                rounds.repeat(name, "GB/s payload", true, "raw", subjects.keySet(), (subject, row) -> {
                    failIfSetupFailed(setupErrors, subject);
                    long start = System.nanoTime();
                    long bytes = opened.get(subject).scanAll();
                    double elapsed = Bench.seconds(start);
                    if (bytes != (long) records * Params.SMALL) {
                        throw new IllegalStateException("Read " + bytes + " payload bytes, expected "
                                + (long) records * Params.SMALL);
                    }
                    return bytes / elapsed / 1e9;
                });
            }
            if (r2) {
                String name = "R2 " + params.r2() + " random reads";
                int[] order = new Random(42).ints(params.r2(), 0, records).toArray();
                Map<String, List<long[]>> latencies = new LinkedHashMap<>();
                rounds.repeat(name, "p50 us", false, "raw", subjects.keySet(), (subject, row) -> {
                    failIfSetupFailed(setupErrors, subject);
                    ReadSubject reader = opened.get(subject);
                    long[] nanos = new long[order.length];
                    long start = System.nanoTime();
                    for (int i = 0; i < order.length; i++) {
                        long t = System.nanoTime();
                        byte[] read = reader.readAt(order[i]);
                        nanos[i] = System.nanoTime() - t;
                        if (read.length != Params.SMALL) {
                            throw new IllegalStateException("Read " + read.length + " bytes");
                        }
                    }
                    double rate = order.length / Bench.seconds(start);
                    long[] p = Latencies.percentiles(nanos);
                    latencies.computeIfAbsent(subject, s -> new ArrayList<>()).add(new long[] {p[0], p[1], p[2],
                            (long) rate});
                    return p[0] / 1e3;
                });
                for (Row row : rows) {
                    List<long[]> measured = latencies.get(row.subject);
                    if (row.workload.equals(name) && measured != null && row.ok()) {
                        row.notes.add(Latencies.note(measured, 1e3, "us") + String.format(Locale.ROOT, ", %.0f reads/s",
                                Row.median(measured.stream().map(m -> (double) m[3]).toList())));
                    }
                }
            }
        } finally {
            for (ReadSubject reader : opened.values()) {
                try {
                    reader.close();
                } catch (RuntimeException e) {
                    System.err.println("closing a reader: " + e);
                }
            }
            dirs.values().forEach(BenchFiles::emptyFiles);
        }
    }

    private static void failIfSetupFailed(Map<String, String> setupErrors, String subject) {
        if (setupErrors.containsKey(subject)) {
            throw new IllegalStateException("setup failed: " + setupErrors.get(subject));
        }
    }
}
