package dev.nanowal;

import java.nio.file.Path;

/**
 * The child JVM of {@link UncleanStopTest}: appends {@value #ENTRIES} buffered entries of 300 bytes to each of
 * {@value #KEYS} keys, syncs, appends as many again without a sync, says {@code DONE} and waits to be killed.
 * Entry {@code i} of key {@code k<n>} holds {@code TestPayloads.content(i, 300)}.
 */
public final class BufferedWriter {

    static final int KEYS = 40;
    static final int ENTRIES = 250;

    private BufferedWriter() {
    }

    public static void main(String[] args) throws Exception {
        Wal wal = Wal.open(Path.of(args[0]));
        for (int i = 0; i < 2 * ENTRIES; i++) {
            for (int k = 0; k < KEYS; k++) {
                wal.appendEntry("k" + k, null, TestPayloads.content(i, 300), false);
            }
            if (i == ENTRIES - 1) {
                wal.sync();
            }
        }
        System.out.println("DONE");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
