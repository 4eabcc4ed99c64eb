package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many keys under a small open-file cap: the cap holds at every checkpoint, every key is listed, a sample of
 * refs reads back, and the same holds after reopening. Keys: system property {@code nanowal.scale.keys}
 * (default 10,000 to keep CI fast: every new key costs a file creation and its first sync two fsyncs, ~2-4 ms a
 * key here; run with 100000 for the full check).
 */
class ScaleTest {

    private static final int KEYS = Integer.getInteger("nanowal.scale.keys", 10_000);
    private static final int MAX_OPEN_FILES = 64;

    @TempDir
    Path dir;

    static String key(int i) {
        return "tenant-" + (i % 97) + "/user:" + i;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void manyKeysStayWithinTheOpenFileCap() {
        WalOptions options = WalOptions.builder().maxOpenFiles(MAX_OPEN_FILES).build();
        EntryRef[] refs = new EntryRef[KEYS];
        long started = System.nanoTime();
        long peakDirect = 0;
        try (Wal wal = Wal.open(dir, options)) {
            for (int i = 0; i < KEYS; i++) {
                refs[i] = wal.appendEntry(key(i), null, TestPayloads.content(i, 24), false);
                if (i % 1000 == 0) {
                    assertThat(wal.stats().openFiles()).as("open files after %d keys", i).isLessThanOrEqualTo(MAX_OPEN_FILES);
                    peakDirect = Math.max(peakDirect, directMemoryUsed());
                }
            }
            long appended = System.nanoTime();
            wal.sync();
            long synced = System.nanoTime();
            assertThat(wal.stats().openFiles()).isLessThanOrEqualTo(MAX_OPEN_FILES);
            assertThat(wal.enumerateKeys()).hasSize(KEYS);
            assertThat(wal.stats().keys()).isEqualTo(KEYS);
            checkSample(wal, refs, 1);
            assertThat(wal.stats().openFiles()).isLessThanOrEqualTo(MAX_OPEN_FILES);
            System.out.printf("ScaleTest: %d keys appended in %d ms, synced in %d ms; peak direct buffer memory "
                    + "%d MiB%n", KEYS, (appended - started) / 1_000_000, (synced - appended) / 1_000_000,
                    peakDirect >> 20);
        }
        long reopening = System.nanoTime();
        try (Wal wal = Wal.open(dir, options)) {
            System.out.printf("ScaleTest: reopened %d keys in %d ms%n", KEYS, (System.nanoTime() - reopening) / 1_000_000);
            assertThat(wal.stats().openFiles()).isLessThanOrEqualTo(MAX_OPEN_FILES);
            assertThat(wal.enumerateKeys()).hasSize(KEYS).contains(key(0), key(KEYS - 1));
            checkSample(wal, refs, 2);
            for (int i = 0; i < KEYS; i += KEYS / 100) {
                wal.appendEntry(key(i), null, TestPayloads.content(KEYS + i, 24), true);
                assertThat(wal.stats().openFiles()).isLessThanOrEqualTo(MAX_OPEN_FILES);
            }
        }
    }

    /**
     * Appending buffered entries to many keys must not keep a write buffer per key: memory grows with the keys,
     * not with the keys times the 64 KiB buffer. Measured as the JVM's direct buffer memory in use, which the
     * WAL's write buffers are, and which nothing else in this test allocates.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void bufferedAppendsToManyKeysKeepWriteBufferMemoryBounded() {
        int keys = Math.min(KEYS, 5_000);
        WalOptions options = WalOptions.builder().maxOpenFiles(MAX_OPEN_FILES).build();
        long bound = (long) 2 * MAX_OPEN_FILES * WalOptions.DEFAULT_WRITE_BUFFER_SIZE;
        long before = directMemoryUsed();
        try (Wal wal = Wal.open(dir, options)) {
            for (int i = 0; i < keys; i++) {
                wal.appendEntry(key(i), null, TestPayloads.content(i, 24), false);
            }
            long used = directMemoryUsed() - before;
            assertThat(used).as("direct (write buffer) memory after one buffered append to each of %d keys, with "
                    + "maxOpenFiles %d: %d MiB", keys, MAX_OPEN_FILES, used >> 20).isLessThanOrEqualTo(bound);
        }
    }

    private static long directMemoryUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    private static void checkSample(Wal wal, EntryRef[] refs, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> sample = new ArrayList<>(List.of(0, refs.length - 1));
        for (int n = 0; n < 500; n++) {
            sample.add(random.nextInt(refs.length));
        }
        for (int i : sample) {
            assertThat(TestPayloads.checkedId(wal.readEntryAt(refs[i]))).isEqualTo(i);
            assertThat(wal.stats().openFiles()).isLessThanOrEqualTo(MAX_OPEN_FILES);
        }
    }
}
