package dev.nanowal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A size-limited tmpfs for tests that need a real full disk (shared with the other modules' tests through
 * nano-wal-core's test jar). Mounting needs Linux and the right to mount (root here); elsewhere the calling test is
 * skipped with a message saying so.
 */
public final class SmallTmpfs {

    private SmallTmpfs() {
    }

    /**
     * Mounts a tmpfs of {@code size} (as {@code mount -o size=}, e.g. {@code "2m"}) on {@code directory}, creating
     * it, or skips the calling test.
     */
    public static Path mountOrSkip(Path directory, String size) throws IOException, InterruptedException {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"),
                "skipped: a size-limited tmpfs needs Linux");
        Files.createDirectories(directory);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", directory.toString()),
                "skipped: this machine does not allow mounting a " + size + " tmpfs (needs root and mount rights)");
        return directory;
    }

    public static void unmount(Path directory) throws IOException, InterruptedException {
        run("umount", "-l", directory.toString());
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        boolean finished = process.waitFor(30, TimeUnit.SECONDS);
        if (!finished || process.exitValue() != 0) {
            System.out.println("[SmallTmpfs] '" + String.join(" ", command) + "' failed: " + output.strip());
            return false;
        }
        return true;
    }
}
