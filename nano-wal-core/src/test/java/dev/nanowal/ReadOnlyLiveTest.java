package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.nanowal.cli.WalCli;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only view of a directory that a child JVM ({@link LiveWriter}) is writing, rotating and compacting: every
 * durable entry the child acknowledged is seen at once, in order, none corrupt; the compacted key's segments go away
 * cleanly; the CLI's stats, verify and dump work on the live directory.
 */
class ReadOnlyLiveTest {

    private static final int COUNT = 1200;
    /** How long a line of the child may take: only a hung child reaches it. */
    private static final long LINE_TIMEOUT_SECONDS = 120;

    @TempDir
    Path temp;

    @Test
    void aReaderInAnotherProcessSeesEveryAcknowledgedEntryInOrderWhileTheWriterRotatesAndCompacts() throws Exception {
        Path dir = temp.resolve("wal");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), LiveWriter.class.getName(), dir.toString(),
                Integer.toString(COUNT)).redirectError(temp.resolve("child.err").toFile()).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                reader.lines().forEach(lines::add);
            } catch (IOException e) {
                lines.add("ERROR " + e);
            }
            lines.add("EOF");
        });
        pump.start();
        try {
            assertThat(next(lines, child)).isEqualTo("READY");
            CompletableFuture<List<Long>> tailed = CompletableFuture.supplyAsync(() -> tail(dir));
            follow(dir, lines, child);
            assertThat(tailed.get(LINE_TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("what a tailer of the view returned")
                    .isEqualTo(LongStream.rangeClosed(1, COUNT).boxed().toList());

            try (Writer stdin = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
                stdin.write("close\n");
            }
            assertThat(next(lines, child)).isEqualTo("DONE");
            assertThat(child.waitFor(LINE_TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
            try (Wal view = Wal.openReadOnly(dir); Stream<byte[]> all = view.enumerateRecords(LiveWriter.KEPT)) {
                assertThat(all.map(TestPayloads::checkedId).toList()).as("after the writer closed")
                        .isEqualTo(LongStream.rangeClosed(1, COUNT).boxed().toList());
            }
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    /** Reads the live directory until the child has written everything, checking each acknowledgement at once. */
    private static void follow(Path dir, BlockingQueue<String> lines, Process child) throws Exception {
        List<EntryRef> seen = new ArrayList<>();
        Map<Long, EntryRef> acked = new HashMap<>();
        EntryRef firstChurn = null;
        long compacted = 0;
        int churnNotFound = 0;
        try (Wal view = Wal.openReadOnly(dir)) {
            while (true) {
                String line = next(lines, child);
                if (line.equals("WRITTEN")) {
                    break;
                }
                if (line.startsWith("COMPACTED ")) {
                    compacted += Long.parseLong(line.substring("COMPACTED ".length()));
                    continue;
                }
                assertThat(line).startsWith("ACK ");
                String[] f = line.split(" ");
                long id = Long.parseLong(f[1]);
                EntryRef ref = new EntryRef(Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]));
                acked.put(id, ref);
                // acknowledged durable: in the journal or its segment, so visible now, with every entry before it
                readOn(view, seen);
                assertThat(seen.size()).as("entries seen once id %d was acknowledged", id).isGreaterThanOrEqualTo((int) id);
                assertThat(seen.get((int) id - 1)).isEqualTo(ref);
                assertThat(TestPayloads.checkedId(view.readEntryAt(ref))).isEqualTo(id);
                if (id % 20 != 0) {
                    continue;
                }
                try (Stream<WalRecord> churn = view.enumerateEntries(LiveWriter.CHURN)) {
                    List<WalRecord> records = churn.toList();
                    records.forEach(r -> TestPayloads.checkedId(r.content()));
                    if (firstChurn == null && !records.isEmpty()) {
                        firstChurn = records.get(0).ref();
                    }
                }
                if (firstChurn != null) {
                    try {
                        view.readRecordAt(firstChurn);
                    } catch (WalEntryNotFoundException e) {
                        churnNotFound++;
                    }
                }
                assertThat(view.keyInfo(LiveWriter.KEPT)).get().extracting(KeyInfo::entries)
                        .satisfies(entries -> assertThat(entries).isGreaterThanOrEqualTo(id));
                assertThat(view.stats().corruptionsDetected()).isZero();
            }
            readOn(view, seen);
            assertThat(seen).as("every entry, buffered ones included, once the last (durable) one was acked")
                    .hasSize(COUNT);
            assertThat(acked).hasSize(COUNT / 2);
            acked.forEach((id, ref) -> assertThat(seen.get((int) (id - 1))).isEqualTo(ref));
            assertThat(compacted).as("segments the child compacted while this JVM read").isGreaterThan(10);
            assertThat(churnNotFound).as("reads of a compacted entry: not found, cleanly").isPositive();
            EntryRef gone = firstChurn;
            assertThatThrownBy(() -> view.readRecordAt(gone)).isInstanceOf(WalEntryNotFoundException.class);
            assertThat(view.keyInfos()).extracting(KeyInfo::key).containsExactly(LiveWriter.CHURN, LiveWriter.KEPT);
            assertThat(view.stats().corruptionsDetected()).isZero();
        }
        cliOnTheLiveDirectory(dir);
    }

    /** The ids a tailer of a view returns, from the first entry on, until it has the last one. */
    private static List<Long> tail(Path dir) {
        List<Long> ids = new ArrayList<>();
        try (Wal view = Wal.openReadOnly(dir); WalTailer tailer = view.tail(LiveWriter.KEPT, null)) {
            while (ids.size() < COUNT) {
                WalRecord record = tailer.poll(Duration.ofSeconds(LINE_TIMEOUT_SECONDS)).orElseThrow(() ->
                        new AssertionError("no entry after " + ids.size()));
                ids.add(TestPayloads.checkedId(record.content()));
            }
            assertThat(tailer.skipped()).isZero();
        }
        return ids;
    }

    /** Adds the entries after the last one seen, checking that each carries the next id. */
    private static void readOn(Wal view, List<EntryRef> seen) {
        try (Stream<WalRecord> more = seen.isEmpty() ? view.enumerateEntries(LiveWriter.KEPT)
                : view.enumerateEntriesAfter(seen.get(seen.size() - 1))) {
            more.forEach(r -> {
                assertThat(TestPayloads.checkedId(r.content())).as("the entry after %d", seen.size())
                        .isEqualTo(seen.size() + 1L);
                seen.add(r.ref());
            });
        }
    }

    private static void cliOnTheLiveDirectory(Path dir) {
        String stats = cli(0, "stats", dir.toString());
        assertThat(stats).contains("live: the directory is open by a writer", "key \"kept\": segments=");
        String verify = cli(0, "verify", dir.toString());
        assertThat(verify).contains("LIVE", "no problems");
        String dump = cli(0, "dump", dir.toString(), LiveWriter.KEPT);
        assertThat(dump.lines()).hasSize(COUNT);
    }

    private static String cli(int expectedExit, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = WalCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(String.join(" ", args) + ":\n" + printed + err.toString(StandardCharsets.UTF_8))
                .isEqualTo(expectedExit);
        return printed;
    }

    private static String next(BlockingQueue<String> lines, Process child) throws Exception {
        String line = lines.poll(LINE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (line == null || line.equals("EOF") || line.startsWith("ERROR")) {
            fail("the child stopped (%s); alive=%s", line, child.isAlive());
        }
        return line;
    }
}
