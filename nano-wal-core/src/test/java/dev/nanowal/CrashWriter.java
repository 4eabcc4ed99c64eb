package dev.nanowal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The child JVM of {@link CrashRecoveryTest}: opens the WAL and appends until it is killed. After an append
 * that was asked to be durable returns, it prints one line per entry:
 *
 * <pre>ACK keyIndex keyHash sequence offset id headerLength contentLength crc END</pre>
 *
 * Non-durable appends are interleaved but not printed: they may or may not survive the kill.
 *
 * <p>Arguments: directory, round, tiny segments (true/false), seed.
 */
public final class CrashWriter {

    static final String[] KEYS = {"user:1", "a/b", "../../x", "ключ ü 😀", "orders", "k-5"};
    static final long TINY_SEGMENT_SIZE = 4096;
    static final int PARENT_THREAD = 255;

    private CrashWriter() {
    }

    /** Background fsyncs every 64 KiB, the smallest allowed, so that the kills also land in the middle of them. */
    static WalOptions options(boolean tiny) {
        WalOptions.Builder builder = WalOptions.builder().backgroundSyncSize(WalOptions.MIN_BACKGROUND_SYNC_SIZE);
        return (tiny ? builder.maxSegmentSize(TINY_SEGMENT_SIZE) : builder).build();
    }

    static long id(long round, int thread, long counter) {
        return (round << 40) | ((long) thread << 32) | counter;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long round = Long.parseLong(args[1]);
        boolean tiny = Boolean.parseBoolean(args[2]);
        long seed = Long.parseLong(args[3]);
        PrintStream out = System.out;
        Wal wal = Wal.open(dir, options(tiny));
        out.println("READY");
        out.flush();
        int threads = 2 + new SplittableRandom(seed).nextInt(3);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(() -> run(wal, out, round, thread, seed * 1000 + thread), "writer-" + t);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }

    private static void run(Wal wal, PrintStream out, long round, int thread, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long counter = 0;
        try {
            while (true) {
                int choice = random.nextInt(100);
                if (choice < 4) {
                    int n = 2 + random.nextInt(4);
                    List<WalEntry> batch = new ArrayList<>();
                    List<long[]> meta = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        long id = id(round, thread, ++counter);
                        int keyIndex = random.nextInt(KEYS.length);
                        int contentLength = contentLength(random);
                        int headerLength = headerLength(random);
                        byte[] header = headerLength < 0 ? null : TestPayloads.header(id, headerLength);
                        batch.add(new WalEntry(KEYS[keyIndex], header, TestPayloads.content(id, contentLength)));
                        meta.add(new long[] {keyIndex, id, Math.max(0, headerLength), contentLength});
                    }
                    List<EntryRef> refs = wal.appendBatch(batch, true);
                    for (int i = 0; i < n; i++) {
                        long[] m = meta.get(i);
                        WalEntry entry = batch.get(i);
                        print(out, (int) m[0], refs.get(i), m[1], (int) m[2], (int) m[3],
                                TestPayloads.crc(entry.header() == null ? new byte[0] : entry.header(), entry.content()));
                    }
                    continue;
                }
                if (choice == 4) {
                    wal.sync();
                    continue;
                }
                long id = id(round, thread, ++counter);
                int keyIndex = random.nextInt(KEYS.length);
                int contentLength = contentLength(random);
                int headerLength = headerLength(random);
                byte[] header = headerLength < 0 ? null : TestPayloads.header(id, headerLength);
                byte[] content = TestPayloads.content(id, contentLength);
                boolean durable = choice < 75;
                EntryRef ref = wal.appendEntry(KEYS[keyIndex], header, content, durable);
                if (durable) {
                    print(out, keyIndex, ref, id, Math.max(0, headerLength), contentLength,
                            TestPayloads.crc(header == null ? new byte[0] : header, content));
                }
            }
        } catch (Throwable e) {
            synchronized (out) {
                out.println("ERROR " + e);
                out.flush();
            }
            e.printStackTrace();
            System.exit(3);
        }
    }

    private static int contentLength(SplittableRandom random) {
        int kind = random.nextInt(100);
        if (kind < 80) {
            return TestPayloads.MIN_LENGTH + random.nextInt(300);
        }
        if (kind < 96) {
            return 300 + random.nextInt(8000);
        }
        return 64 * 1024 + 1 + random.nextInt(150_000);
    }

    /** -1 for no header. */
    private static int headerLength(SplittableRandom random) {
        int kind = random.nextInt(100);
        if (kind < 45) {
            return -1;
        }
        if (kind < 50) {
            return 0;
        }
        if (kind < 97) {
            return 1 + random.nextInt(200);
        }
        return 1000 + random.nextInt(5000);
    }

    private static void print(PrintStream out, int keyIndex, EntryRef ref, long id, int headerLength, int contentLength,
            long crc) {
        String line = "ACK " + keyIndex + " " + ref.keyHash() + " " + ref.sequenceNumber() + " " + ref.offset() + " " + id
                + " " + headerLength + " " + contentLength + " " + crc + " END";
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
