package dev.nanowal.bench;

import dev.nanowal.Wal;
import dev.nanowal.WalRecord;
import dev.nanowal.WalTailer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Tail wake-up latency, in this process and across processes (issue 14): a writer makes durable 100 B appends to one
 * key, pausing {@value #PAUSE_MILLIS} ms between them so that the tailer is waiting each time, and each entry
 * carries the {@link System#nanoTime()} (CLOCK_MONOTONIC on Linux, shared by every process of the machine) read just
 * before its append; the writer also records when each append returned (the acknowledgement). Two latencies per
 * entry, up to the tailer's {@code poll} returning it: from before the append (so including the append itself, a
 * journal commit of one write and one fdatasync) and from the acknowledgement (negative when the tailer had the
 * entry first: a read-only view sees the journal's write before its fdatasync ends).
 * Subjects, in the same run: {@code in-process} ({@code Wal.tail} of the writing {@code Wal}, woken by the append)
 * and {@code cross-process} ({@code Wal.openReadOnly(dir).tail} in this JVM while a child JVM writes, woken by the
 * directory watch). Then the CPU time this JVM uses in {@value #IDLE_SECONDS} s while a read-only tailer waits for
 * an entry that never comes. Not part of the table; prints only.
 *
 * <pre>./benchmarks/run.sh tail-cross [entries]     (default 1000)</pre>
 */
final class CrossProcessTail {

    private static final String KEY = "t";
    private static final long PAUSE_MILLIS = 5;
    private static final int IDLE_SECONDS = 5;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private CrossProcessTail() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("writer")) {
            write(Path.of(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path root = Files.createTempDirectory("nanowal-tail-");
        try {
            Samples inProcess = inProcess(root.resolve("in-process"), entries);
            Samples crossProcess = crossProcess(root.resolve("cross-process"), entries);
            System.out.printf(Locale.ROOT, "%d durable appends of 100 B to one key, %d ms apart; ms up to the tailer's "
                    + "poll returning the entry%n", entries, PAUSE_MILLIS);
            System.out.printf(Locale.ROOT, "%-40s %9s %9s %9s %9s %9s%n", "subject, measured from", "p50", "p99", "max",
                    "min", "p99 vs in-process");
            print("in-process append alone", inProcess.appendNanos(), null);
            print("cross-process append alone", crossProcess.appendNanos(), null);
            print("in-process tail, before the append", inProcess.fromStart(), inProcess.fromStart());
            print("cross-process tail, before the append", crossProcess.fromStart(), inProcess.fromStart());
            print("in-process tail, acknowledgement", inProcess.fromAck(), inProcess.fromAck());
            print("cross-process tail, acknowledgement", crossProcess.fromAck(), inProcess.fromAck());
        } finally {
            BenchFiles.deleteTree(root);
        }
    }

    /** Per entry: when its append started and returned, and when the tailer had it (System.nanoTime()). */
    private record Samples(long[] started, long[] acked, long[] received) {

        long[] appendNanos() {
            return difference(acked, started);
        }

        long[] fromStart() {
            return difference(received, started);
        }

        long[] fromAck() {
            return difference(received, acked);
        }

        private static long[] difference(long[] to, long[] from) {
            long[] out = new long[to.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = to[i] - from[i];
            }
            return out;
        }
    }

    private static void print(String subject, long[] nanos, long[] baseline) {
        long[] sorted = sortedCopy(nanos);
        String ratio = baseline == null ? "" : String.format(Locale.ROOT, "%.2fx", percentile(sorted, 0.99)
                / percentile(sortedCopy(baseline), 0.99));
        System.out.printf(Locale.ROOT, "%-40s %9.3f %9.3f %9.3f %9.3f %9s%n", subject, percentile(sorted, 0.50) / 1e6,
                percentile(sorted, 0.99) / 1e6, sorted[sorted.length - 1] / 1e6, sorted[0] / 1e6, ratio);
    }

    private static long[] sortedCopy(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted;
    }

    private static double percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** A writer thread appends while this thread tails the same {@code Wal}. */
    private static Samples inProcess(Path dir, int entries) throws Exception {
        Samples samples = new Samples(new long[entries], new long[entries], new long[entries]);
        try (Wal wal = Wal.open(dir); WalTailer tailer = wal.tail(KEY, null)) {
            Thread writer = new Thread(() -> {
                for (int i = 0; i < entries; i++) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PAUSE_MILLIS));
                    samples.started()[i] = System.nanoTime();
                    wal.logEntry(KEY, null, payload(samples.started()[i]));
                    samples.acked()[i] = System.nanoTime();
                }
            }, "tail-bench-writer");
            writer.start();
            for (int i = 0; i < entries; i++) {
                received(tailer, samples, i);
            }
            writer.join();
        }
        return samples;
    }

    /** A child JVM writes; this one tails a read-only view, then measures what a waiting tailer costs. */
    private static Samples crossProcess(Path dir, int entries) throws Exception {
        Files.createDirectories(dir);
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrossProcessTail.class.getName(), "writer", dir.toString(), Integer.toString(entries))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Samples samples = new Samples(new long[entries], new long[entries], new long[entries]);
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            if (!"READY".equals(lines.readLine())) {
                throw new IllegalStateException("the writer did not start");
            }
            try (Wal view = Wal.openReadOnly(dir); WalTailer tailer = view.tail(KEY, null)) {
                child.getOutputStream().write('\n');
                child.getOutputStream().flush();
                for (int i = 0; i < entries; i++) {
                    received(tailer, samples, i);
                }
                String[] acks = lines.readLine().split(" ");
                for (int i = 0; i < entries; i++) {
                    samples.acked()[i] = Long.parseLong(acks[i]);
                }
                if (child.waitFor(60, TimeUnit.SECONDS) && child.exitValue() != 0) {
                    throw new IllegalStateException("the writer failed: exit " + child.exitValue());
                }
                var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                long cpuBefore = os.getProcessCpuTime();
                if (tailer.poll(Duration.ofSeconds(IDLE_SECONDS)).isPresent()) {
                    throw new IllegalStateException("an entry after the last");
                }
                System.out.printf(Locale.ROOT, "a read-only tailer waiting %d s for nothing: %.1f ms of CPU time in "
                        + "this JVM (all threads)%n", IDLE_SECONDS, (os.getProcessCpuTime() - cpuBefore) / 1e6);
            }
        } finally {
            child.destroyForcibly().waitFor();
        }
        return samples;
    }

    private static void received(WalTailer tailer, Samples samples, int i) {
        WalRecord record = tailer.poll(WAIT).orElseThrow(() -> new IllegalStateException("no entry in " + WAIT));
        samples.received()[i] = System.nanoTime();
        samples.started()[i] = ByteBuffer.wrap(record.content()).getLong();
    }

    private static byte[] payload(long started) {
        return ByteBuffer.allocate(Params.SMALL).putLong(started).array();
    }

    /** The child: opens the WAL, says so, waits for the parent's view, appends, then prints when each returned. */
    private static void write(Path dir, int entries) throws Exception {
        try (Wal wal = Wal.open(dir)) {
            System.out.println("READY");
            System.out.flush();
            if (System.in.read() < 0) {
                return;
            }
            StringBuilder acked = new StringBuilder();
            for (int i = 0; i < entries; i++) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PAUSE_MILLIS));
                wal.logEntry(KEY, null, payload(System.nanoTime()));
                acked.append(i == 0 ? "" : " ").append(System.nanoTime());
            }
            System.out.println(acked);
            System.out.flush();
        }
    }
}
