package dev.nanowal;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of {@link ReadOnlyLiveTest}: writes key {@value #KEPT} (entry {@code i} of {@code count} carries id
 * {@code i}; every even one durable, the others buffered) and key {@value #CHURN} (buffered), rotating small segments
 * and compacting {@value #CHURN} as it goes, while the parent reads the directory read-only. Its clock moves one
 * minute per append, so rotation and retention are the same in every run. Prints, one line each:
 *
 * <pre>READY
 * ACK id keyHash sequence offset     (after a durable append of KEPT returned)
 * COMPACTED segments                 (after a compaction)
 * WRITTEN                            (then waits for a line on stdin before closing)
 * DONE</pre>
 *
 * <p>Arguments: directory, count.
 */
public final class LiveWriter {

    static final String KEPT = "kept";
    static final String CHURN = "churn";
    static final int COMPACT_EVERY = 100;

    private LiveWriter() {
    }

    static int contentLength(long id) {
        return TestPayloads.MIN_LENGTH + (int) (id * 37 % 300);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        PrintStream out = System.out;
        MutableClock clock = MutableClock.startingAt("2026-03-01T00:00:00Z");
        WalOptions options = WalOptions.builder().clock(clock).entryRetention(Duration.ofHours(1))
                .maxSegmentSize(4096).build();
        Wal wal = Wal.open(dir, options);
        wal.addCompactionGuard((key, sequence, newest) -> !key.equals(KEPT));
        out.println("READY");
        out.flush();
        for (long id = 1; id <= count; id++) {
            clock.advance(Duration.ofMinutes(1));
            boolean durable = id % 2 == 0;
            EntryRef ref = wal.appendEntry(KEPT, null, TestPayloads.content(id, contentLength(id)), durable);
            if (durable) {
                out.println("ACK " + id + " " + ref.keyHash() + " " + ref.sequenceNumber() + " " + ref.offset());
                out.flush();
            }
            wal.appendEntry(CHURN, null, TestPayloads.content(-id, TestPayloads.MIN_LENGTH + 64), false);
            if (id % COMPACT_EVERY == 0) {
                out.println("COMPACTED " + wal.compact().segmentsDeleted());
                out.flush();
            }
        }
        out.println("WRITTEN");
        out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        wal.close();
        out.println("DONE");
        out.flush();
    }
}
