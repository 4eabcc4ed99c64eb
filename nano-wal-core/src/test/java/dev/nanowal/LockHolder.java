package dev.nanowal;

import java.io.IOException;
import java.nio.file.Path;

/** Run in a child JVM: opens the WAL named by the argument, says so, and holds it until stdin closes. */
public final class LockHolder {

    private LockHolder() {
    }

    public static void main(String[] args) throws IOException {
        try (Wal wal = Wal.open(Path.of(args[0]))) {
            wal.logEntry("held", null, new byte[] {1});
            System.out.println("OPEN");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the lock until the parent closes our stdin
            }
        }
    }
}
