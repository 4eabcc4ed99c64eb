package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanowal.cli.WalCli;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer killed with SIGKILL while its keys held buffered appends: a full write buffer is written in windows
 * ({@code Segment.flushWindowLocked}), so most keys' files end in a record cut at a window's end. The open cuts
 * each such torn tail past the bytes made durable without an fsync and says so in one WARNING, keeps every entry
 * that was synced, and each key's entries are a prefix of what was appended; {@code verify} before the open calls
 * those tails unsynced, not problems.
 */
class UncleanStopTest {

    @TempDir
    Path dir;

    /** The WAL's WARNING and SEVERE log records. */
    private static final class Warnings extends Handler {
        final List<LogRecord> records = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void tornTailsLeftBySigkillAreCutWithoutAnFsyncEachAndNothingSyncedIsLost() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                BufferedWriter.class.getName(), dir.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("DONE");
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

        ByteArrayOutputStream verified = new ByteArrayOutputStream();
        int exit = WalCli.run(new String[] {"verify", dir.toString()}, new PrintStream(verified, true,
                StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        String report = verified.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("verify's exit code: torn tails past the durable bytes are no problem\n" + report)
                .isZero();
        assertThat(report).contains("UNSYNCED ").contains("no problems").doesNotContain("PROBLEM ");

        AtomicInteger segmentFsyncs = new AtomicInteger();
        FaultyChannel.Hooks hooks = new FaultyChannel.Hooks() {
            @Override
            public void force(Path path, FileChannel real, boolean metaData) throws IOException {
                if (path.getFileName().toString().contains(".log")) {
                    segmentFsyncs.incrementAndGet();
                }
                real.force(metaData);
            }
        };
        Logger logger = Logger.getLogger(Wal.class.getName());
        Warnings warnings = new Warnings();
        logger.addHandler(warnings);
        try (Wal wal = Wal.open(dir, WalOptions.defaults(), new HookedStorage(hooks))) {
            int opening = segmentFsyncs.get();
            List<LogRecord> opened = List.copyOf(warnings.records);
            assertThat(opening).as("segment fsyncs while opening").isZero();
            assertThat(opened).as("warnings of the open").hasSize(1);
            assertThat(opened.get(0).getMessage()).contains("after an unclean stop").contains("torn tails");
            int tails = (Integer) opened.get(0).getParameters()[1];
            System.out.printf("[UncleanStopTest] %d keys killed with buffered appends: %d torn tails cut, %d segment "
                    + "fsyncs while opening%n", BufferedWriter.KEYS, tails, opening);
            assertThat(tails).as("keys whose file ended in a torn record").isGreaterThanOrEqualTo(BufferedWriter.KEYS / 2);
            for (int k = 0; k < BufferedWriter.KEYS; k++) {
                List<byte[]> entries;
                try (Stream<byte[]> all = wal.enumerateRecords("k" + k)) {
                    entries = all.toList();
                }
                assertThat(entries.size()).as("entries of k%d", k).isBetween(BufferedWriter.ENTRIES,
                        2 * BufferedWriter.ENTRIES);
                for (int i = 0; i < entries.size(); i++) {
                    assertThat(entries.get(i)).as("entry %d of k%d", i, k).isEqualTo(TestPayloads.content(i, 300));
                }
                wal.appendEntry("k" + k, null, TestPayloads.content(entries.size(), 300), false);
            }
            wal.sync();
            assertThat(segmentFsyncs.get()).as("the sync fsyncs the segments the open left unsynced")
                    .isGreaterThanOrEqualTo(BufferedWriter.KEYS);
        } finally {
            logger.removeHandler(warnings);
        }
        warnings.records.clear();
        logger.addHandler(warnings);
        try (Wal again = Wal.open(dir)) {
            assertThat(warnings.records).as("warnings of a clean reopen").isEmpty();
            assertThat(again.enumerateKeys()).hasSize(BufferedWriter.KEYS);
        } finally {
            logger.removeHandler(warnings);
        }
    }
}
