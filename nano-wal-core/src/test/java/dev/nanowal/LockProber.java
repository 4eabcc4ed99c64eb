package dev.nanowal;

import dev.nanowal.internal.engine.WalFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Run in a child JVM: does what {@code stats} and {@code verify} do when they begin ({@link WalFiles#forReading},
 * which takes the directory's lock for an instant and releases it), in a loop until stdin closes, then prints how
 * many probes found the directory not live (took the lock) and how many found it held.
 */
public final class LockProber {

    private LockProber() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // probe until the parent closes our stdin
                }
            } catch (IOException e) {
                // the parent is gone: stop as well
            }
        });
        stdin.start();
        System.out.println("PROBING");
        System.out.flush();
        long took = 0;
        long held = 0;
        while (stdin.isAlive()) {
            try (WalFiles files = WalFiles.forReading(dir)) {
                if (files.live()) {
                    held++;
                } else {
                    took++;
                }
            }
        }
        System.out.println(took + " " + held);
    }
}
