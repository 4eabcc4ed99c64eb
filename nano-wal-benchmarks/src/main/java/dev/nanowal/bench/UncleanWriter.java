package dev.nanowal.bench;

import java.io.File;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * O1's child process: fills a directory with {@code bytes} of 1 KiB entries round robin across {@code keys}
 * keys (nano-wal or raw), not durably, then halts without closing anything: an unclean stop.
 */
public final class UncleanWriter {

    private UncleanWriter() {
    }

    public static void main(String[] args) {
        String subject = args[0];
        Path dir = Paths.get(args[1]);
        long bytes = Long.parseLong(args[2]);
        int keys = Integer.parseInt(args[3]);
        byte[] payload = Bench.payload(Params.O1_ENTRY, 3);
        long entries = bytes / Params.O1_ENTRY;
        BenchLog log = subject.equals("nano-wal") ? new NanoWalSubject.Log(dir, keys)
                : new RawSubject.Log(dir, keys, RawSubject.Durable.NAIVE, 0);
        for (long i = 0; i < entries; i++) {
            log.append((int) (i % keys), payload);
        }
        // dies with whatever the write buffers hold unflushed, files open, locks held
        System.out.flush();
        Runtime.getRuntime().halt(0);
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
