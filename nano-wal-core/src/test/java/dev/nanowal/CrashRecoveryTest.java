package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real child JVM ({@link CrashWriter}) with SIGKILL while it appends, many times in the same directory,
 * and checks after each kill that every append acknowledged as durable is there, exact and in order, that
 * nothing reads as corrupt, and that appending continues and survives another reopen.
 *
 * <p>Rounds per test: system property {@code nanowal.crash.rounds} (default 15).
 */
class CrashRecoveryTest {

    private static final int ROUNDS = Integer.getInteger("nanowal.crash.rounds", 15);
    private static final long SEED = Long.getLong("nanowal.crash.seed", System.nanoTime());

    @TempDir
    Path temp;

    /** One acknowledged durable entry, as the child (or the parent) saw it returned. */
    record Ack(int keyIndex, EntryRef ref, long id, int headerLength, int contentLength, long crc) {

        String key() {
            return CrashWriter.KEYS[keyIndex];
        }

        long round() {
            return id >>> 40;
        }

        int thread() {
            return (int) ((id >>> 32) & 0xff);
        }
    }

    @Test
    void acknowledgedDurableEntriesSurviveSigkill() {
        crashRoundsInTime(false);
    }

    @Test
    void acknowledgedDurableEntriesSurviveSigkillDuringRotationOfTinySegments() {
        crashRoundsInTime(true);
    }

    /**
     * The rounds under a time limit that grows with their number (a campaign runs hundreds, on a loaded machine
     * about 3 s each), and the seed in the failure, so that a failing campaign can be rerun.
     */
    private void crashRoundsInTime(boolean tiny) {
        Duration limit = Duration.ofMinutes(10).plusSeconds(10L * Math.max(0, ROUNDS - 15));
        try {
            assertTimeoutPreemptively(limit, () -> crashRounds(tiny));
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("CrashRecoveryTest(tiny=" + tiny + ") failed with -Dnanowal.crash.seed=" + SEED
                    + " and -Dnanowal.crash.rounds=" + ROUNDS + ": " + e.getMessage(), e);
        }
    }

    private void crashRounds(boolean tiny) throws Exception {
        Path dir = temp.resolve("wal");
        SplittableRandom random = new SplittableRandom(SEED + (tiny ? 1 : 0));
        List<Ack> acks = new ArrayList<>();
        Map<EntryRef, Long> idByRef = new HashMap<>();
        Map<String, KeyState> states = new HashMap<>();
        String classPath = snapshotClassPath(temp.resolve("classpath-" + tiny));
        long truncatedBytes = 0;
        int roundsWithCut = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            int target = 1 + random.nextInt(random.nextBoolean() ? 40 : 400);
            List<Ack> fresh = runAndKill(classPath, dir, round, tiny, random.nextLong(), target);
            for (Ack ack : fresh) {
                Long earlier = idByRef.putIfAbsent(ack.ref(), ack.id());
                if (earlier != null) {
                    fail("round %d: %s was acknowledged for entry %x, but entry %x had it before (a reused ref)", round,
                            ack.ref(), ack.id(), earlier);
                }
            }
            int firstNew = acks.size();
            acks.addAll(fresh);
            long cut = verifyAndContinue(dir, tiny, round, acks, firstNew, idByRef, states, random);
            truncatedBytes += cut;
            roundsWithCut += cut > 0 ? 1 : 0;
        }
        System.out.printf("CrashRecoveryTest(tiny=%s, seed=%d): %d rounds, %d acknowledged durable entries checked, "
                + "%d rounds cut a torn tail (%d bytes)%n", tiny, SEED, ROUNDS, acks.size(), roundsWithCut, truncatedBytes);
    }

    /** Starts the child, reads acknowledgements until {@code target}, SIGKILLs it and returns every complete line. */
    private List<Ack> runAndKill(String classPath, Path dir, int round, boolean tiny, long seed, int target) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path log = temp.resolve("child-" + tiny + "-" + round + ".err");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classPath, CrashWriter.class.getName(), dir.toString(),
                Integer.toString(round), Boolean.toString(tiny), Long.toString(seed));
        builder.redirectError(log.toFile());
        Process process = builder.start();
        List<Ack> acks = new ArrayList<>();
        boolean killed = false;
        String incomplete = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (incomplete != null) {
                    fail("round %d: a line without its END marker was followed by more output: %s", round, incomplete);
                }
                if (line.equals("READY")) {
                    continue;
                }
                if (line.startsWith("ERROR")) {
                    process.destroyForcibly().waitFor();
                    fail("round %d: the child failed: %s%n%s", round, line, Files.readString(log));
                }
                if (!line.startsWith("ACK ") || !line.endsWith(" END")) {
                    incomplete = line;
                    continue;
                }
                acks.add(parse(line));
                if (!killed && acks.size() >= target) {
                    // ProcessHandle.destroyForcibly sends SIGKILL and, unlike Process.destroyForcibly, leaves the
                    // pipe open, so the lines already written (acknowledged before the kill) can still be read.
                    assertThat(process.toHandle().destroyForcibly()).as("SIGKILL sent").isTrue();
                    killed = true;
                }
            }
        }
        int exit = process.waitFor();
        if (!killed) {
            fail("round %d: the child exited by itself (code %d) after %d acknowledgements, before %d:%n%s", round,
                    exit, acks.size(), target, Files.readString(log));
        }
        assertThat(exit).as("exit code of a SIGKILLed JVM (128 + 9)").isEqualTo(137);
        return acks;
    }

    /**
     * The test's class path with its directories (target/classes, target/test-classes) copied, so that a build
     * running meanwhile in the same module cannot take class files away from the children.
     */
    private static String snapshotClassPath(Path into) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.isDirectory(source)) {
                entries.add(entry);
                continue;
            }
            Path copy = into.resolve("dir-" + n++);
            try (Stream<Path> files = Files.walk(source)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Path target = copy.resolve(source.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target);
                    }
                }
            }
            entries.add(copy.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static Ack parse(String line) {
        String[] f = line.split(" ");
        return new Ack(Integer.parseInt(f[1]), new EntryRef(Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4])), Long.parseLong(f[5]), Integer.parseInt(f[6]), Integer.parseInt(f[7]),
                Long.parseLong(f[8]));
    }

    /** Where the last check of a key stopped, so that most rounds only read what was appended since. */
    static final class KeyState {
        EntryRef checkpoint;
        long lastRound;
        final Map<Long, Long> lastCounterByRoundThread = new HashMap<>();
    }

    /**
     * Reopens after the kill and checks the oracle, then appends durable entries to every key, closes, reopens and
     * checks again. Every few rounds (and the last) the check covers every acknowledged entry and every key from
     * its start; the others read this round's entries by ref, a sample of older ones, and each key's tail from
     * where the last check stopped. Returns the bytes recovery cut.
     */
    private long verifyAndContinue(Path dir, boolean tiny, int round, List<Ack> acks, int firstNew,
            Map<EntryRef, Long> idByRef, Map<String, KeyState> states, SplittableRandom random) {
        boolean full = round <= 2 || round % 10 == 0 || round == ROUNDS;
        long cut;
        List<Ack> mine = new ArrayList<>();
        try (Wal wal = Wal.open(dir, CrashWriter.options(tiny))) {
            cut = wal.stats().bytesTruncatedAtRecovery();
            verify(wal, round, acks, firstNew, states, full, random);
            for (int k = 0; k < CrashWriter.KEYS.length; k++) {
                for (int n = 0; n < 2; n++) {
                    long id = CrashWriter.id(round, CrashWriter.PARENT_THREAD, k * 2L + n + 1);
                    int contentLength = n == 0 ? 40 : 70_000;
                    byte[] header = TestPayloads.header(id, 9);
                    byte[] content = TestPayloads.content(id, contentLength);
                    EntryRef ref = wal.logEntry(CrashWriter.KEYS[k], header, content);
                    assertThat(idByRef.putIfAbsent(ref, id)).as("round %d: a new append got a ref used before", round)
                            .isNull();
                    mine.add(new Ack(k, ref, id, 9, contentLength, TestPayloads.crc(header, content)));
                }
            }
            assertThat(wal.stats().corruptionsDetected()).as("corruptions seen in round %d", round).isZero();
        }
        int parentFirst = acks.size();
        acks.addAll(mine);
        try (Wal wal = Wal.open(dir, CrashWriter.options(tiny))) {
            assertThat(wal.stats().bytesTruncatedAtRecovery()).as("a clean close leaves nothing to cut").isZero();
            verify(wal, round, acks, parentFirst, states, false, random);
        }
        return cut;
    }

    private static void verify(Wal wal, int round, List<Ack> acks, int firstNew, Map<String, KeyState> states,
            boolean full, SplittableRandom random) {
        List<Ack> toRead = new ArrayList<>(full ? acks : acks.subList(firstNew, acks.size()));
        for (int n = 0; !full && firstNew > 0 && n < 100; n++) {
            toRead.add(acks.get(random.nextInt(firstNew)));
        }
        for (Ack ack : toRead) {
            WalRecord record;
            try {
                record = wal.readRecordAt(ack.ref());
            } catch (WalException e) {
                throw new AssertionError("round " + round + ": acknowledged durable entry " + Long.toHexString(ack.id())
                        + " of key '" + ack.key() + "' at " + ack.ref() + " cannot be read", e);
            }
            assertThat(record.ref()).isEqualTo(ack.ref());
            assertThat(record.content()).as("content of %x at %s", ack.id(), ack.ref())
                    .isEqualTo(TestPayloads.content(ack.id(), ack.contentLength()));
            assertThat(record.header()).as("header of %x at %s", ack.id(), ack.ref())
                    .isEqualTo(TestPayloads.header(ack.id(), ack.headerLength()));
            assertThat(TestPayloads.crc(record.header(), record.content())).isEqualTo(ack.crc());
            assertThat(ack.ref().keyHash()).isEqualTo(EntryRef.hashOf(ack.key()));
        }
        Map<String, List<Ack>> expectedByKey = new LinkedHashMap<>();
        for (Ack ack : full ? acks : acks.subList(firstNew, acks.size())) {
            expectedByKey.computeIfAbsent(ack.key(), k -> new ArrayList<>()).add(ack);
        }
        for (String key : CrashWriter.KEYS) {
            KeyState state = full ? new KeyState() : states.computeIfAbsent(key, k -> new KeyState());
            Map<Long, EntryRef> enumerated = new HashMap<>();
            EntryRef previous = state.checkpoint;
            try (Stream<WalRecord> records = previous == null ? wal.enumerateEntries(key)
                    : wal.enumerateEntriesAfter(previous)) {
                for (WalRecord record : (Iterable<WalRecord>) records::iterator) {
                    EntryRef ref = record.ref();
                    long id = TestPayloads.checkedId(record.content());
                    if (previous != null) {
                        assertThat(ref.sequenceNumber() > previous.sequenceNumber()
                                || (ref.sequenceNumber() == previous.sequenceNumber() && ref.offset() > previous.offset()))
                                .as("round %d, key '%s': %s follows %s in the enumeration", round, key, ref, previous)
                                .isTrue();
                    }
                    previous = ref;
                    assertThat(enumerated.put(id, ref)).as("round %d: entry %x enumerated twice", round, id).isNull();
                    long entryRound = id >>> 40;
                    assertThat(entryRound).as("round %d, key '%s': entries of round %d after round %d", round, key,
                            entryRound, state.lastRound).isGreaterThanOrEqualTo(state.lastRound);
                    state.lastRound = entryRound;
                    long counter = id & 0xffff_ffffL;
                    Long before = state.lastCounterByRoundThread.put(id >>> 32, counter);
                    assertThat(before == null || before < counter)
                            .as("round %d, key '%s': entry %x after counter %s of the same writer thread", round, key, id,
                                    before)
                            .isTrue();
                }
            } catch (WalException e) {
                throw new AssertionError("round " + round + ": enumerating key '" + key + "' failed", e);
            }
            state.checkpoint = previous;
            states.put(key, state);
            for (Ack ack : expectedByKey.getOrDefault(key, List.of())) {
                assertThat(enumerated.get(ack.id())).as("round %d: acknowledged entry %x of key '%s' in the enumeration",
                        round, ack.id(), key).isEqualTo(ack.ref());
            }
        }
        assertThat(wal.stats().corruptionsDetected()).as("corruptions seen in round %d", round).isZero();
    }
}
