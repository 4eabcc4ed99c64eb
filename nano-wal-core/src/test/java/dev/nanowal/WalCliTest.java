package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanowal.cli.WalCli;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.SegmentNames;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The operator's CLI, in process through {@link WalCli#run} and as a real child JVM. */
@ExtendWith(QuietWalLogs.class)
class WalCliTest {

    @TempDir
    Path dir;

    @TempDir
    Path elsewhere;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return WalCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private List<EntryRef> writeSome() {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            for (int i = 0; i < 30; i++) {
                refs.add(wal.appendEntry("orders", ("h" + i).getBytes(), ("order \"" + i + "\" ünïcode").getBytes(), false));
            }
            refs.add(wal.appendEntry("bin", null, new byte[] {(byte) 0xff, 0, (byte) 0xfe}, true));
        }
        return refs;
    }

    @Test
    void statsListsKeysSegmentsAndBytes() {
        writeSome();
        assertThat(run("stats", dir.toString())).isZero();
        assertThat(out()).contains("keys: 2").contains("key \"orders\": segments=").contains("entries=30")
                .contains("key \"bin\": segments=1 entries=1").containsPattern("oldest=20\\d\\d-");
    }

    @Test
    void statsListsTheCursorsWithTheEntriesBehindThem() {
        List<EntryRef> refs = writeSome();
        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            wal.cursor("billing", "orders").commit(refs.get(4));
            wal.cursor("audit", "bin").commit(refs.get(30));
        }
        assertThat(run("stats", dir.toString())).isZero();
        assertThat(out()).contains("cursor \"audit\" key \"bin\": segment=" + refs.get(30).sequenceNumber()
                + " offset=" + refs.get(30).offset()).contains(" behind=0\n")
                .contains("cursor \"billing\" key \"orders\": segment=" + refs.get(4).sequenceNumber())
                .contains(" behind=25");
    }

    @Test
    void statsOfALiveDirectoryListsTheCursorsTheWriterCommitted() {
        List<EntryRef> refs = writeSome();
        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            wal.cursor("billing", "orders").commit(refs.get(4));
            wal.cursor("never-committed", "orders");
            assertThat(run("stats", dir.toString())).isZero();
            assertThat(out()).contains("live: the directory is open by a writer")
                    .contains("cursor \"billing\" key \"orders\": segment=" + refs.get(4).sequenceNumber()
                            + " offset=" + refs.get(4).offset() + " behind=25\n")
                    .doesNotContain("never-committed");

            wal.cursor("billing", "orders").commit(refs.get(29));
            assertThat(run("stats", dir.toString())).isZero();
            assertThat(out()).contains("cursor \"billing\" key \"orders\": segment=" + refs.get(29).sequenceNumber()
                    + " offset=" + refs.get(29).offset() + " behind=0\n");
        }
    }

    @Test
    void dumpPrintsJsonLinesWithTextOrBase64() {
        List<EntryRef> refs = writeSome();
        assertThat(run("dump", dir.toString(), "orders")).isZero();
        List<String> lines = out().lines().toList();
        assertThat(lines).hasSize(30);
        EntryRef first = refs.get(0);
        assertThat(lines.get(0)).startsWith("{\"ref\":{\"keyHash\":\"" + String.format("%016x", first.keyHash())
                + "\",\"sequenceNumber\":" + first.sequenceNumber() + ",\"offset\":" + first.offset() + "}")
                .contains("\"content\":\"order \\\"0\\\" ünïcode\"").contains("\"contentEncoding\":\"utf8\"")
                .contains("\"header\":\"h0\"").contains("\"headerSize\":2");

        assertThat(run("dump", dir.toString(), "bin")).isZero();
        assertThat(out().strip()).contains("\"content\":\"/wD+\"").contains("\"contentEncoding\":\"base64\"")
                .contains("\"contentSize\":3");
        assertThat(run("dump", dir.toString(), "orders", "--base64")).isZero();
        assertThat(out()).doesNotContain("\"utf8\"");
        assertThat(run("dump", dir.toString(), "no such key")).isZero();
        assertThat(out()).isEmpty();
    }

    /** What the disk holds while the WAL is open, as an unclean stop leaves it: the journal not yet retired. */
    private static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    @Test
    void dumpJournalPrintsTheRecordsANextOpenWouldReplayAndWhereTheyEnd() throws IOException {
        Path wal = dir.resolve("wal");
        Path image = dir.resolve("image");
        List<EntryRef> refs = new ArrayList<>();
        try (Wal open = Wal.open(wal, WalOptions.builder().checkpointInterval(Duration.ofHours(1)).build())) {
            for (int i = 0; i < 5; i++) {
                refs.add(open.appendEntry("k" + (i % 2), null, ("entry " + i).getBytes(StandardCharsets.UTF_8), true));
            }
            copyFiles(wal, image);
        }
        assertThat(run("dump", image.toString(), "--journal")).isZero();
        List<String> lines = out().lines().toList();
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).startsWith("{\"journal\":\"nanowal-0.journal\",\"slot\":0,\"generation\":1,\"at\":32,");
        long lastAt = -1;
        for (int i = 0; i < 5; i++) {
            EntryRef ref = refs.get(i);
            // a key's first range starts at its segment's offset 0: the new segment's header rides in the journal
            long offset = i < 2 ? 0 : ref.offset();
            assertThat(lines.get(i)).contains("\"keyHash\":\"" + hex(ref.keyHash()) + "\",\"sequenceNumber\":"
                    + ref.sequenceNumber() + ",\"offset\":" + offset + ",").endsWith(",\"entries\":1,\"crc\":\"ok\"}");
            lastAt = Long.parseLong(lines.get(i).replaceAll(".*\"at\":(\\d+),.*", "$1"));
        }
        assertThat(lines.get(5)).startsWith("{\"journal\":\"nanowal-0.journal\",\"slot\":0,\"generation\":1,\"records\":5,")
                .endsWith("\"endedBy\":\"zeros\"}");

        SegmentFiles.flipBit(image.resolve("nanowal-0.journal"), lastAt + 50, 2);
        assertThat(run("dump", image.toString(), "--journal")).isZero();
        lines = out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(4)).contains("\"records\":4,").endsWith("\"end\":" + lastAt + ",\"endedBy\":\"damaged record\"}");

        assertThat(run("dump", wal.toString(), "--journal")).as("after a clean close").isZero();
        assertThat(out()).isEqualTo("{\"journal\":\"nanowal-0.journal\",\"slot\":0,\"spare\":true}\n");
        assertThat(run("stats", wal.toString(), "--journal")).isEqualTo(2);
        assertThat(err()).contains("Unknown option --journal");
    }

    private static String hex(long value) {
        return String.format("%016x", value);
    }

    @Test
    void verifyIsCleanThenReportsADamagedRecordWithFileAndOffset() throws IOException {
        List<EntryRef> refs = writeSome();
        assertThat(run("verify", dir.toString())).isZero();
        assertThat(out()).contains("no problems");

        EntryRef victim = refs.get(3);
        Path segment = SegmentFiles.segmentOf(dir, victim);
        SegmentFiles.flipBit(segment, victim.offset() + Frames.RECORD_HEADER_SIZE + 1, 3);
        assertThat(run("verify", dir.toString())).isEqualTo(1);
        assertThat(out()).contains("PROBLEM " + segment + " offset " + victim.offset() + ": key 'orders': a CRC32C "
                + "mismatch").contains("opening quarantines this segment").contains("1 problem");
    }

    @Test
    void repairCutsTheDamageKeepingABrokenCopyThenVerifyIsClean() throws IOException {
        List<EntryRef> refs = writeSome();
        EntryRef victim = refs.get(refs.size() - 3);
        Path segment = SegmentFiles.segmentOf(dir, victim);
        SegmentFiles.flipBit(segment, victim.offset() + Frames.RECORD_HEADER_SIZE, 0);
        assertThat(run("verify", dir.toString())).isEqualTo(1);
        assertThat(out()).contains("corruption in the middle");

        assertThat(run("repair", dir.toString())).isZero();
        assertThat(out()).contains("kept the cut bytes in " + segment + ".broken").contains("the WAL is clean");
        assertThat(segment.resolveSibling(segment.getFileName() + ".broken")).exists();
        assertThat(run("verify", dir.toString())).isZero();
    }

    @Test
    void helpUsageAndErrors() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("stats").contains("dump").contains("verify").contains("repair");
        for (String command : List.of("stats", "dump", "verify", "repair")) {
            assertThat(run(command, "--help")).as(command).isZero();
            assertThat(out()).startsWith("Usage: " + command);
        }
        assertThat(run()).isEqualTo(2);
        assertThat(run("explode", dir.toString())).isEqualTo(2);
        assertThat(err()).contains("Unknown command 'explode'");
        assertThat(run("verify", dir.resolve("missing").toString())).isEqualTo(2);
        assertThat(err()).contains("does not exist");
        assertThat(run("dump", dir.toString())).isEqualTo(2);
        assertThat(run("verify", dir.toString(), "--frobnicate")).isEqualTo(2);
    }

    @Test
    void dumpFollowPrintsEntriesAsTheWriterAppendsThemUntilStdinEnds() throws Exception {
        try (Wal wal = Wal.open(dir)) {
            wal.logEntry("k", null, "one".getBytes(StandardCharsets.UTF_8));
            PipedOutputStream stdin = new PipedOutputStream();
            PipedInputStream stdinEnd = new PipedInputStream(stdin);
            PipedInputStream printed = new PipedInputStream();
            PrintStream followOut = new PrintStream(new PipedOutputStream(printed), true, StandardCharsets.UTF_8);
            CompletableFuture<Integer> follow = CompletableFuture.supplyAsync(() -> WalCli.run(
                    new String[] {"dump", "--follow", dir.toString(), "k"}, stdinEnd,
                    followOut, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
            BufferedReader lines = new BufferedReader(new InputStreamReader(printed, StandardCharsets.UTF_8));
            assertThat(lines.readLine()).contains("\"content\":\"one\"");
            EntryRef two = wal.logEntry("k", null, "two".getBytes(StandardCharsets.UTF_8));
            assertThat(lines.readLine()).contains("\"content\":\"two\"", "\"offset\":" + two.offset());
            stdin.close();
            assertThat(follow.get(1, TimeUnit.MINUTES)).as("exit code once stdin ended").isZero();
        }
    }

    @Test
    void aDirectoryOpenByAnApplicationIsReadLiveAndOnlyRepairIsRefused() {
        writeSome();
        try (Wal wal = Wal.open(dir)) {
            EntryRef durable = wal.logEntry("orders", null, "live one".getBytes(StandardCharsets.UTF_8));
            wal.appendEntry("orders", null, "in the write buffer".getBytes(StandardCharsets.UTF_8), false);

            assertThat(run("stats", dir.toString())).isZero();
            assertThat(out()).contains("live: the directory is open by a writer", "keys: 2", "entries=31");
            assertThat(run("verify", dir.toString())).isZero();
            assertThat(out()).contains("LIVE " + SegmentFiles.segmentOf(dir, durable), "no problems");
            assertThat(run("dump", dir.toString(), "orders")).isZero();
            assertThat(out().lines()).hasSize(31).last().asString().contains("\"content\":\"live one\"",
                    "\"offset\":" + durable.offset());

            assertThat(run("repair", dir.toString())).isEqualTo(2);
            assertThat(err()).contains("Error:").contains(dir.toString());
            assertThat(wal.isOpen()).isTrue();
        }
    }

    @Test
    void theRealCommandRunsInAChildJvmAndSeesAnotherProcesssLock() throws Exception {
        writeSome();
        Process verify = java("verify", dir.toString());
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(verify.getInputStream().readAllBytes())).contains("no problems");
        assertThat(verify.exitValue()).isZero();

        Process holder = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            byte[] ready = holder.getInputStream().readNBytes(4);
            assertThat(new String(ready)).isEqualTo("OPEN");
            Process live = java("stats", dir.toString());
            assertThat(live.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(live.getInputStream().readAllBytes())).contains("live:", "key \"held\": segments=1 "
                    + "entries=1");
            assertThat(live.exitValue()).isZero();
            Process locked = java("repair", dir.toString());
            assertThat(locked.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(locked.getErrorStream().readAllBytes())).contains("in use by another process");
            assertThat(locked.exitValue()).isEqualTo(2);
        } finally {
            holder.getOutputStream().close();
            holder.waitFor(60, TimeUnit.SECONDS);
            holder.destroy();
        }
    }

    @Test
    void statsDumpAndVerifyHoldNoLockWhileTheyRun() {
        writeSome();
        for (List<String> command : List.of(List.of("stats", dir.toString()), List.of("dump", dir.toString(), "orders"),
                List.of("verify", dir.toString()))) {
            List<String> opens = new ArrayList<>();
            OutputStream output = new OutputStream() {
                @Override
                public void write(int b) {
                    if (opens.isEmpty()) {
                        // the command is running: an application starting now must be able to open the directory
                        try (Wal wal = Wal.open(dir)) {
                            opens.add("opened");
                        } catch (WalLockedException e) {
                            opens.add(e.getMessage());
                        }
                    }
                }
            };
            int exit = WalCli.run(command.toArray(String[]::new), new PrintStream(output, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(opens).as(command.get(0)).containsExactly("opened");
            assertThat(exit).as(command.get(0) + ": " + err()).isZero();
        }
    }

    @Test
    void backupCopiesAWalNobodyHoldsAndVerifyPassesOnTheCopy() throws IOException {
        List<EntryRef> refs = writeSome();
        Path target = elsewhere.resolve("backup");
        assertThat(run("backup", "--help")).isZero();
        assertThat(out()).startsWith("Usage: backup <dir> <target>");
        assertThat(run("backup", dir.toString(), target.toString())).as(err()).isZero();
        assertThat(out()).contains("backed up " + dir + " to " + target + ": 2 keys, 31 entries, 0 segment files "
                + "linked, 2 copied");
        assertThat(run("verify", target.toString())).isZero();
        assertThat(out()).contains("no problems");
        try (Wal copy = Wal.open(target)) {
            assertThat(copy.readEntryAt(refs.get(29))).isEqualTo("order \"29\" ünïcode".getBytes());
            assertThat(copy.readEntryAt(refs.get(30))).isEqualTo(new byte[] {(byte) 0xff, 0, (byte) 0xfe});
        }

        assertThat(run("backup", dir.toString(), target.toString())).isEqualTo(1);
        assertThat(err()).contains("must not exist or be empty");
        assertThat(run("backup", dir.toString())).isEqualTo(2);
        assertThat(err()).contains("Usage: backup");
    }

    @Test
    void backupOfAWalAnApplicationHoldsSaysTheApplicationMustTakeIt() {
        writeSome();
        Path target = elsewhere.resolve("backup");
        try (Wal wal = Wal.open(dir)) {
            assertThat(run("backup", dir.toString(), target.toString())).isEqualTo(2);
            assertThat(err()).contains("Error:").contains(dir.toString()).contains("call Wal.backup(target) there");
            assertThat(target).doesNotExist();
            assertThat(wal.isOpen()).isTrue();
        }
    }

    @Test
    void verifySaysADirectoryIsAnIncompleteBackup() throws IOException {
        writeSome();
        Path target = elsewhere.resolve("backup");
        assertThat(run("backup", dir.toString(), target.toString())).isZero();
        // what a backup cut short leaves: the marker it removes last (BackupTest makes one fail for real)
        Files.writeString(target.resolve(SegmentNames.BACKUP_INCOMPLETE), "");
        assertThat(run("verify", target.toString())).isEqualTo(1);
        assertThat(out()).contains("PROBLEM " + target.resolve(SegmentNames.BACKUP_INCOMPLETE) + " offset 0: an "
                + "incomplete backup").contains("1 problem");
    }

    private Process java(String... args) throws IOException {
        // this build's classes, never a jar in target/: tests run before packaging, so a jar there is an older
        // build's (the packaged jar and its manifest are WalCliJarIT's)
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-cp", System.getProperty("java.class.path"),
                WalCli.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).start();
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
