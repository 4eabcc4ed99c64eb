package dev.nanowal.bench;

import dev.nanowal.Wal;
import dev.nanowal.WalOptions;
import dev.nanowal.WalRecord;
import dev.nanowal.WalTailer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * T1 (issue 14): how fast an append in this process wakes a tailer that waits in {@code WalTailer.poll}, and what
 * a waiting tailer costs. The peer, measured in the same run the same way, is a {@link LinkedBlockingQueue}
 * hand-off between the same two threads: the JVM's park/unpark floor that any blocking wake-up pays.
 *
 * <p>Latency: the writer waits until the tailer is parked, reads {@code System.nanoTime()}, appends (buffered) an
 * entry carrying that time, and the tailer subtracts it from the time its poll returned. Idle cost: the CPU time
 * ({@link ThreadMXBean#getThreadCpuTime}) of a thread that waits in a poll with nothing appended.
 *
 * <pre>./benchmarks/run.sh tail [samples] [idle-seconds]     (defaults 20000 3)</pre>
 */
final class TailWakeup {

    private static final Duration FOREVER = Duration.ofDays(1);

    private TailWakeup() {
    }

    /** One way of waking a waiting reader: a hand-off of one timestamp, and a poll that waits. */
    private interface Channel extends AutoCloseable {
        void send(long nanos) throws Exception;

        /** The timestamp sent, or -1 when none came within the timeout. */
        long receive(Duration timeout) throws Exception;

        @Override
        void close() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int idleSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path root = Files.createTempDirectory("nanowal-tail-");
        try {
            System.out.printf(Locale.ROOT, "T1 tail wake-up: %d samples after %d warm-up, buffered 16 B appends; idle "
                    + "poll of %d s%n", samples, samples / 4, idleSeconds);
            System.out.printf(Locale.ROOT, "%-22s %10s %10s %10s %16s%n", "subject", "p50 us", "p99 us", "max us",
                    "idle CPU ms");
            double[] queue = measure("blocking-queue", TailWakeup::queue, samples, idleSeconds);
            double[] tail = measure("nano-wal tail", () -> tailer(Files.createTempDirectory(root, "wal-")), samples,
                    idleSeconds);
            System.out.printf(Locale.ROOT, "nano-wal tail / blocking-queue: p50 %.2fx, p99 %.2fx%n", tail[0] / queue[0],
                    tail[1] / queue[1]);
        } finally {
            BenchFiles.deleteTree(root);
        }
    }

    private interface Factory {
        Channel open() throws Exception;
    }

    /** Prints and returns p50, p99 (us). */
    private static double[] measure(String subject, Factory factory, int samples, int idleSeconds) throws Exception {
        long[] latencies;
        long idleCpu;
        try (Channel channel = factory.open()) {
            latencies = latencies(channel, samples / 4 + samples, samples);
        }
        try (Channel channel = factory.open()) {
            idleCpu = idleCpu(channel, idleSeconds);
        }
        Arrays.sort(latencies);
        double p50 = latencies[latencies.length / 2] / 1e3;
        double p99 = latencies[(int) (latencies.length * 0.99)] / 1e3;
        System.out.printf(Locale.ROOT, "%-22s %10.1f %10.1f %10.1f %16.3f%n", subject, p50, p99,
                latencies[latencies.length - 1] / 1e3, idleCpu / 1e6);
        return new double[] {p50, p99};
    }

    /** The last {@code kept} of {@code total} wake-up latencies, in ns. */
    private static long[] latencies(Channel channel, int total, int kept) throws Exception {
        long[] measured = new long[total];
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicInteger received = new AtomicInteger();
        Thread reader = new Thread(() -> {
            try {
                for (int i = 0; i < total; i++) {
                    long sent = channel.receive(FOREVER);
                    measured[i] = System.nanoTime() - sent;
                    received.incrementAndGet();
                }
            } catch (Exception e) {
                failure.set(e);
            }
        }, "tail-reader");
        reader.start();
        for (int i = 0; i < total && failure.get() == null; i++) {
            // only a parked reader measures a wake-up: one still busy with the last entry (or not yet scheduled after
            // its wake-up, which still shows as waiting) would measure a queue
            while ((received.get() < i || reader.getState() != Thread.State.TIMED_WAITING) && reader.isAlive()) {
                Thread.onSpinWait();
            }
            channel.send(System.nanoTime());
        }
        reader.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return Arrays.copyOfRange(measured, total - kept, total);
    }

    /** The CPU time (ns) of a thread waiting {@code seconds} in a poll that nothing wakes. */
    private static long idleCpu(Channel channel, int seconds) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] cpu = new long[1];
        Thread waiter = new Thread(() -> {
            long before = threads.getCurrentThreadCpuTime();
            try {
                if (channel.receive(Duration.ofSeconds(seconds)) != -1) {
                    throw new IllegalStateException("nothing was sent, yet the poll returned an entry");
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            cpu[0] = threads.getCurrentThreadCpuTime() - before;
        }, "tail-idle");
        waiter.start();
        waiter.join();
        return cpu[0];
    }

    private static Channel queue() {
        BlockingQueue<Long> queue = new LinkedBlockingQueue<>();
        return new Channel() {
            @Override
            public void send(long nanos) {
                queue.add(nanos);
            }

            @Override
            public long receive(Duration timeout) throws InterruptedException {
                Long sent = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
                return sent == null ? -1 : sent;
            }

            @Override
            public void close() {
            }
        };
    }

    private static Channel tailer(Path dir) {
        Wal wal = Wal.open(dir, WalOptions.builder().build());
        WalTailer tailer = wal.tail("k", null);
        return new Channel() {
            @Override
            public void send(long nanos) {
                wal.appendEntry("k", null, ByteBuffer.allocate(16).putLong(0, nanos).array(), false);
            }

            @Override
            public long receive(Duration timeout) {
                return tailer.poll(timeout).map(WalRecord::content).map(c -> ByteBuffer.wrap(c).getLong(0)).orElse(-1L);
            }

            @Override
            public void close() {
                tailer.close();
                wal.close();
            }
        };
    }
}
