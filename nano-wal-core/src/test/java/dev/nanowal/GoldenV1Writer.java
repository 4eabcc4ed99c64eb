package dev.nanowal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Wrote the committed directory {@code src/test/resources/golden-v1} once, with format-v1 code and a fixed
 * clock; {@link GoldenFormatV1Test} checks those bytes. Not a test and not run by the build: a new format
 * version gets a new directory from a new writer, and this one never overwrites an existing directory, so the
 * old bytes keep proving that old WALs still open. Steps and expected contents: the README beside the files.
 *
 * <pre>mvn -B -o -pl nano-wal-core test-compile
 * java -cp nano-wal-core/target/classes:nano-wal-core/target/test-classes dev.nanowal.GoldenV1Writer /tmp/golden-v1</pre>
 */
final class GoldenV1Writer {

    /** The offset of the torn key's third record, whose bytes are cut to a partial record after the close. */
    private static final long TORN_RECORD_OFFSET = 128;
    private static final int TORN_RECORD_BYTES_KEPT = 30;

    private GoldenV1Writer() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("Usage: GoldenV1Writer <new directory>");
        }
        Path directory = Path.of(args[0]);
        if (Files.exists(directory)) {
            throw new IllegalStateException(directory + " exists; the writer only creates a new directory");
        }
        MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
        WalOptions options = WalOptions.builder()
                .entryRetention(Duration.ofHours(1))
                .segmentsPerRetentionPeriod(2)
                .clock(clock)
                .build();
        try (Wal wal = Wal.open(directory, options)) {
            wal.appendEntry("orders", utf8("h:1"), utf8("first order"), false);
            clock.advance(Duration.ofSeconds(1));
            wal.appendEntry("orders", null, utf8("second order"), true);
            clock.advance(Duration.ofSeconds(1));
            wal.appendEntry("torn", null, utf8("torn one"), false);
            clock.advance(Duration.ofSeconds(1));
            wal.appendEntry("torn", utf8("h:2"), utf8("torn two"), false);
            clock.advance(Duration.ofSeconds(1));
            EntryRef cut = wal.appendEntry("torn", null, utf8("torn three, cut after the close"), false);
            if (cut.offset() != TORN_RECORD_OFFSET) {
                throw new IllegalStateException("The torn record is at " + cut + ", not at " + TORN_RECORD_OFFSET);
            }
            // the time slice (30 minutes) of the first orders segment is over: this append seals it
            clock.advance(Duration.ofMinutes(30));
            wal.appendEntry("orders", null, utf8("third order"), false);
            clock.advance(Duration.ofSeconds(1));
            wal.appendEntry("orders", utf8("h:4"), utf8("fourth order"), false);
            // the highest sequence number, deleted below, so that only nanowal.meta keeps it from being reused
            clock.advance(Duration.ofSeconds(10));
            wal.appendEntry("expired", null, utf8("deleted by compaction"), false);
            clock.advance(Duration.ofHours(2));
            wal.addCompactionGuard((key, sequence, newest) -> key.equals("expired"));
            CompactionResult compaction = wal.compact();
            if (compaction.segmentsDeleted() != 1) {
                throw new IllegalStateException("Compaction deleted " + compaction + ", not the one expired segment");
            }
        }
        Path tornSegment;
        try (var files = Files.list(directory)) {
            tornSegment = files.filter(file -> file.getFileName().toString().startsWith("torn-")).findFirst()
                    .orElseThrow();
        }
        try (FileChannel channel = FileChannel.open(tornSegment, StandardOpenOption.WRITE)) {
            channel.truncate(TORN_RECORD_OFFSET + TORN_RECORD_BYTES_KEPT);
        }
        // the lock file is empty and recreated by every open; it carries no format
        Files.delete(directory.resolve("nanowal.lock"));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
