package dev.nanowal.bench;

import dev.nanowal.Wal;
import dev.nanowal.WalEntry;
import dev.nanowal.WalOptions;
import java.io.File;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * O1's child process: fills a directory with {@code bytes} of 1 KiB entries round robin across {@code keys}
 * keys, then halts without closing anything: an unclean stop. Subjects: {@code nano-wal} and {@code raw} append
 * without waiting for stable storage; {@link #DURABLE} and {@link #REPLAY} append durably, a batch of one entry
 * per key at a time (one journal commit each), so that the commit journal holds what no checkpoint covered yet.
 */
public final class UncleanWriter {

    /** Durable batches with default options: the journal holds what came after the last checkpoint. */
    static final String DURABLE = "nano-wal-durable";
    /**
     * Durable batches with the largest journal file and no timed checkpoint, stopped before the journal reaches
     * half its file (where a checkpoint is asked for): the largest replay a crash can leave without a failing
     * checkpoint.
     */
    static final String REPLAY = "nano-wal-replay";

    private UncleanWriter() {
    }

    public static void main(String[] args) {
        String subject = args[0];
        Path dir = Paths.get(args[1]);
        long bytes = Long.parseLong(args[2]);
        int keys = Integer.parseInt(args[3]);
        byte[] payload = Bench.payload(Params.O1_ENTRY, 3);
        long entries = bytes / Params.O1_ENTRY;
        if (subject.equals(DURABLE) || subject.equals(REPLAY)) {
            writeDurably(subject.equals(REPLAY) ? replayOptions() : WalOptions.defaults(), dir, entries, keys, payload);
        } else {
            BenchLog log = subject.equals("nano-wal") ? new NanoWalSubject.Log(dir, keys)
                    : new RawSubject.Log(dir, keys, RawSubject.Durable.NAIVE, 0);
            for (long i = 0; i < entries; i++) {
                log.append((int) (i % keys), payload);
            }
        }
        // dies with whatever the write buffers hold unflushed, files open, locks held
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    static WalOptions replayOptions() {
        return WalOptions.builder().journalFileSize(WalOptions.MAX_JOURNAL_FILE_SIZE)
                .checkpointInterval(Duration.ofHours(1)).build();
    }

    /**
     * The most payload {@link #REPLAY} writes: the journal asks for a checkpoint once it passes half a file, and
     * each 1 KiB entry takes a 1,048-byte frame in a journal record of 48 more bytes (FORMAT.md).
     */
    static long replayBytes(long bytes) {
        long journalBudget = WalOptions.MAX_JOURNAL_FILE_SIZE / 2 - (1 << 20);
        return Math.min(bytes, journalBudget / 1_096 * Params.O1_ENTRY);
    }

    private static void writeDurably(WalOptions options, Path dir, long entries, int keys, byte[] payload) {
        String[] names = NanoWalSubject.keys(keys);
        List<WalEntry> batch = new ArrayList<>(keys);
        for (String name : names) {
            batch.add(WalEntry.of(name, payload));
        }
        Wal wal = Wal.open(dir, options);
        for (long i = 0; i + keys <= entries; i += keys) {
            wal.appendBatch(batch, true);
        }
    }

    static void runChild(String subject, Path dir, long bytes, int keys) throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                UncleanWriter.class.getName(), subject, dir.toString(), Long.toString(bytes), Integer.toString(keys)));
        Process process = new ProcessBuilder(command).inheritIO().redirectInput(new File("/dev/null")).start();
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("O1 writer failed: " + command);
        }
    }
}
