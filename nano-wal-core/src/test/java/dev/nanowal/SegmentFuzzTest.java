package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.nanowal.internal.format.Frames;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutation fuzzing of real segment files: copies get random bit flips, truncations, zeroed ranges, garbage
 * appended, forged lengths and forged record headers; then the WAL is opened on them (with and without
 * {@code repairCorruptTail}), every known ref is read and every key enumerated. Each must terminate (hang
 * detection: a preemptive timeout), throw nothing but a {@link WalException} subtype, allocate a bounded
 * amount (a size read from disk never becomes an allocation), and never return bytes that differ from what was
 * appended at that ref. {@code -Dnanowal.fuzz.mutations=N} (default 250), {@code -Dnanowal.fuzz.seed=N|random} (default a
 * fixed seed) and {@code -Dnanowal.fuzz.only=M} (check only mutation M of that seed).
 */
@ExtendWith(QuietWalLogs.class)
class SegmentFuzzTest {

    /** Far above what reading these few hundred KiB needs; far below a length field's 2 or 4 GiB. */
    private static final long ALLOCATION_BOUND = 64L * 1024 * 1024;

    @TempDir
    Path root;

    private final Map<EntryRef, WalRecord> written = new LinkedHashMap<>();
    private final Map<String, Integer> outcomes = new TreeMap<>();

    private Path writeBase() throws IOException {
        Path base = root.resolve("base");
        MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
        WalOptions options = WalOptions.builder().clock(clock).maxSegmentSize(8192).build();
        try (Wal wal = Wal.open(base, options)) {
            long id = 1;
            for (int i = 0; i < 90; i++) {
                String key = i % 3 == 0 ? "k1" : i % 3 == 1 ? "k2/x" : "k3";
                int size = i == 17 ? 100_000 : 16 + (i * 97) % 900;
                byte[] header = TestPayloads.header(id, i % 4 == 0 ? 0 : 9);
                byte[] content = TestPayloads.content(id++, size);
                EntryRef ref = wal.appendEntry(key, header.length == 0 ? null : header, content, i % 5 == 0);
                written.put(ref, new WalRecord(ref, header, content));
            }
        }
        return base;
    }

    @Test
    void damagedSegmentsNeverHangCrashOrLie() throws IOException {
        Path base = writeBase();
        List<Path> segments = SegmentFiles.segments(base);
        int mutations = Integer.getInteger("nanowal.fuzz.mutations", 250);
        // A fixed seed in CI (so the build is repeatable); -Dnanowal.fuzz.seed=random explores new ones.
        String seedProperty = System.getProperty("nanowal.fuzz.seed", "20261122");
        long seed = seedProperty.equals("random") ? new Random().nextLong() : Long.parseLong(seedProperty);
        System.out.println("[SegmentFuzzTest] seed " + seed + " (replay with -Dnanowal.fuzz.seed=" + seed + "), "
                + mutations + " mutations of " + segments.size() + " segment files");
        Random random = new Random(seed);
        for (int m = 0; m < mutations; m++) {
            Path mutated = WalCopies.copy(base, root.resolve("m" + m));
            List<String> applied = new ArrayList<>();
            int count = 1 + random.nextInt(3);
            for (int i = 0; i < count; i++) {
                Path victim = mutated.resolve(segments.get(random.nextInt(segments.size())).getFileName());
                applied.add(mutate(victim, random));
            }
            Integer only = Integer.getInteger("nanowal.fuzz.only");
            if (only != null && only != m) {
                WalCopies.delete(mutated);
                continue;
            }
            for (boolean repair : new boolean[] {true, false}) {
                Path dir = repair ? WalCopies.copy(mutated, root.resolve("m" + m + "-repair")) : mutated;
                String what = "mutation " + m + " (seed " + seed + ", repair " + repair + "): " + applied;
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    try {
                        check(dir, repair, what);
                    } catch (AssertionError e) {
                        throw e;
                    } catch (Throwable e) {
                        StringBuilder files = new StringBuilder();
                        try (Stream<Path> list = Files.list(dir)) {
                            list.sorted().forEach(f -> files.append(' ').append(f.getFileName()).append('=')
                                    .append(f.toFile().length()));
                        }
                        throw new AssertionError(what + ": threw " + e + ", which is not a WalException; files:" + files, e);
                    }
                }, what + " hung");
                WalCopies.delete(dir);
            }
        }
        System.out.println("[SegmentFuzzTest] " + mutations + " mutated directories x 2 opens: " + outcomes
                + "; wrong bytes returned: 0");
    }

    /**
     * Bug found by this fuzzer (seed -7525891065082680273, mutation 132 of 3000: two bit flips in key k1's last
     * segment, key k2/x's sealed first segment truncated to 2596 bytes; open with repairCorruptTail): enumerating
     * throws IndexOutOfBoundsException from RecordCursor.readLargeRecord instead of a WalCorruptionException.
     * See docs/RELIABILITY.md, bug D.
     */
    @Test
    void replayOfTheIndexOutOfBoundsFound() throws IOException {
        // restored afterwards, so that a campaign's -Dnanowal.fuzz.* still reach the test that runs after this one
        Map<String, String> campaign = new HashMap<>();
        for (String name : List.of("nanowal.fuzz.seed", "nanowal.fuzz.mutations", "nanowal.fuzz.only")) {
            campaign.put(name, System.getProperty(name));
        }
        System.setProperty("nanowal.fuzz.seed", "-7525891065082680273");
        System.setProperty("nanowal.fuzz.mutations", "133");
        System.setProperty("nanowal.fuzz.only", "132");
        try {
            damagedSegmentsNeverHangCrashOrLie();
        } finally {
            campaign.forEach((name, value) -> {
                if (value == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, value);
                }
            });
        }
    }

    /**
     * A bit flipped at every offset of a small key's two segments (a sealed one, and the active one with a synced
     * part and an unsynced tail), one flip per copy of a directory as a crash left it. Every time the WAL opens;
     * every entry whose bytes were not hit reads back exactly; the hit one fails as corrupt when it was made
     * durable, or is cut with the unsynced entries after it when it lay in the unsynced tail (and then no damage
     * is reported: a tail no fsync covered is not corruption). The intact enumeration returns exactly the entries
     * that read, and the key takes appends.
     */
    @Test
    void aBitFlipAtEveryOffsetLeavesEveryOtherEntryReadable() throws IOException {
        Path base = root.resolve("small");
        List<EntryRef> refs = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        int durable = 10;
        Path crashed = root.resolve("small-crashed");
        MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
        // segments rotated by time, so both stay small: a slice of 15 minutes
        WalOptions options = WalOptions.builder().clock(clock).entryRetention(Duration.ofHours(1))
                .segmentsPerRetentionPeriod(4).build();
        try (Wal wal = Wal.open(base, options)) {
            for (int i = 0; i < durable + 3; i++) {
                byte[] content = TestPayloads.content(i, 30 + 7 * i);
                contents.add(content);
                refs.add(wal.appendEntry("k", null, content, i < durable));
                if (i == 3) {
                    clock.advance(Duration.ofMinutes(16));
                }
                if (i == durable - 1) {
                    wal.sync();
                }
            }
            // flushes the write buffer into the file, as a process that dies now leaves it in the page cache
            wal.readEntryAt(refs.get(refs.size() - 1));
            WalCopies.copy(base, crashed);
        }
        List<Path> segments = SegmentFiles.segments(crashed);
        assertThat(segments).hasSize(2);
        assertThat(refs.get(durable - 1).sequenceNumber()).as("the unsynced tail shares the active segment")
                .isEqualTo(refs.get(durable).sequenceNumber()).isNotEqualTo(refs.get(0).sequenceNumber());
        int flips = 0;
        int corrupt = 0;
        int cut = 0;
        for (Path segment : segments) {
            long size = Files.size(segment);
            long sequence = SegmentFiles.sequenceOf(segment);
            for (long offset = 0; offset < size; offset++) {
                Path dir = WalCopies.copy(crashed, root.resolve("flip-" + flips++));
                SegmentFiles.flipBit(dir.resolve(segment.getFileName()), offset, (int) (offset % 8));
                String what = "bit " + offset % 8 + " at offset " + offset + " of " + segment.getFileName();
                int hit = -1;
                for (int i = 0; i < refs.size(); i++) {
                    EntryRef ref = refs.get(i);
                    if (ref.sequenceNumber() == sequence && offset >= ref.offset()
                            && offset < ref.offset() + Frames.recordSize(0, contents.get(i).length)) {
                        hit = i;
                    }
                }
                try (Wal wal = Wal.open(dir, options)) {
                    List<byte[]> readable = new ArrayList<>();
                    boolean tailCut = false;
                    for (int i = 0; i < refs.size(); i++) {
                        try {
                            assertThat(wal.readEntryAt(refs.get(i))).as("%s: entry %d", what, i)
                                    .isEqualTo(contents.get(i));
                            assertThat(tailCut).as("%s: entry %d reads after an earlier one was cut", what, i).isFalse();
                            readable.add(contents.get(i));
                        } catch (WalCorruptionException e) {
                            assertThat(i).as("%s: entry %d is corrupt (%s)", what, i, e.getMessage()).isEqualTo(hit)
                                    .isLessThan(durable);
                            corrupt++;
                        } catch (WalEntryNotFoundException e) {
                            assertThat(i).as("%s: entry %d was cut (%s)", what, i, e.getMessage())
                                    .isGreaterThanOrEqualTo(Math.max(hit, durable));
                            tailCut = true;
                        }
                    }
                    cut += tailCut ? 1 : 0;
                    if (hit >= durable) {
                        assertThat(wal.damage()).as("%s: damage in the unsynced tail", what).isEmpty();
                    }
                    try (Stream<WalRecord> intact = wal.enumerateIntactEntries("k")) {
                        assertThat(intact.map(WalRecord::content).toList()).as("%s: intact entries", what)
                                .containsExactlyElementsOf(readable);
                    }
                    EntryRef after = wal.appendEntry("k", null, "after".getBytes(), true);
                    assertThat(wal.readEntryAt(after)).isEqualTo("after".getBytes());
                }
                WalCopies.delete(dir);
            }
        }
        System.out.println("[SegmentFuzzTest] " + flips + " single bit flips: " + corrupt + " durable entries read as "
                + "corrupt, " + cut + " unsynced tails cut, every other entry intact");
        assertThat(corrupt).isPositive();
        assertThat(cut).isPositive();
    }

    private void check(Path dir, boolean repair, String what) {
        long before = allocated();
        Wal wal;
        try {
            wal = Wal.open(dir, WalOptions.builder().repairCorruptTail(repair).maxSegmentSize(8192).build());
        } catch (WalException e) {
            count("open failed: " + e.getClass().getSimpleName());
            return;
        } catch (Throwable e) {
            throw new AssertionError(what + ": open threw " + e, e);
        }
        count("opened");
        try (wal) {
            for (Map.Entry<EntryRef, WalRecord> entry : written.entrySet()) {
                try {
                    WalRecord record = wal.readRecordAt(entry.getKey());
                    assertThat(record.content()).as("%s: content at %s", what, entry.getKey())
                            .isEqualTo(entry.getValue().content());
                    assertThat(record.header()).as("%s: header at %s", what, entry.getKey())
                            .isEqualTo(entry.getValue().header());
                    count("read intact");
                } catch (WalException e) {
                    count("read refused: " + e.getClass().getSimpleName());
                }
            }
            for (String key : List.of("k1", "k2/x", "k3")) {
                try (Stream<WalRecord> records = wal.enumerateEntries(key)) {
                    Iterator<WalRecord> iterator = records.iterator();
                    while (iterator.hasNext()) {
                        WalRecord record = iterator.next();
                        WalRecord expected = written.get(record.ref());
                        assertThat(expected).as("%s: enumeration returned an entry at %s that was never written", what,
                                record.ref()).isNotNull();
                        assertThat(record.content()).as("%s: enumerated content at %s", what, record.ref())
                                .isEqualTo(expected.content());
                        assertThat(record.header()).isEqualTo(expected.header());
                    }
                    count("enumeration complete");
                } catch (WalException e) {
                    count("enumeration stopped: " + e.getClass().getSimpleName());
                }
            }
            try {
                EntryRef ref = wal.appendEntry("k1", null, "after damage".getBytes(), true);
                assertThat(wal.readEntryAt(ref)).isEqualTo("after damage".getBytes());
                count("append after open");
            } catch (WalException e) {
                count("append refused: " + e.getClass().getSimpleName());
            }
        } catch (WalException e) {
            count("close failed: " + e.getClass().getSimpleName());
        }
        long used = allocated() - before;
        assertThat(used).as("%s: bytes allocated by one open, read and enumeration", what).isLessThan(ALLOCATION_BOUND);
    }

    private String mutate(Path file, Random random) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String name = file.getFileName().toString().replaceAll("-[0-9a-f]{16}-0*", "#");
        switch (random.nextInt(7)) {
            case 0 -> {
                int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
                Files.write(file, bytes);
                return name + ": " + flips + " bit flips";
            }
            case 1 -> {
                int size = random.nextInt(bytes.length);
                Files.write(file, Arrays.copyOf(bytes, size));
                return name + ": truncated to " + size;
            }
            case 2 -> {
                int from = random.nextInt(bytes.length);
                int length = 1 + random.nextInt(Math.min(4096, bytes.length - from));
                Arrays.fill(bytes, from, from + length, (byte) 0);
                Files.write(file, bytes);
                return name + ": zeroed [" + from + ", " + (from + length) + ")";
            }
            case 3 -> {
                byte[] garbage = new byte[1 + random.nextInt(3000)];
                random.nextBytes(garbage);
                if (random.nextBoolean() && garbage.length >= 24) {
                    ByteBuffer.wrap(garbage).put("NANORC".getBytes()).putShort((short) random.nextInt())
                            .putInt(random.nextBoolean() ? -1 : random.nextInt(Integer.MAX_VALUE));
                }
                SegmentFiles.append(file, garbage);
                return name + ": " + garbage.length + " garbage bytes appended";
            }
            case 4 -> {
                int at = recordOffset(bytes, random);
                if (at < 0) {
                    return name + ": no record to forge";
                }
                int length = random.nextBoolean() ? Integer.MAX_VALUE : random.nextInt();
                ByteBuffer.wrap(bytes).putInt(at + 8, length);
                Files.write(file, bytes);
                return name + ": content length at " + at + " forged to " + Integer.toUnsignedString(length);
            }
            case 5 -> {
                int at = recordOffset(bytes, random);
                if (at < 0) {
                    return name + ": no record to forge";
                }
                ByteBuffer.wrap(bytes).putShort(at + 6, (short) random.nextInt());
                Files.write(file, bytes);
                return name + ": header length at " + at + " forged";
            }
            default -> {
                ByteBuffer.wrap(bytes).putInt(40, random.nextBoolean() ? -1 : random.nextInt(5000));
                Files.write(file, bytes);
                return name + ": key length in the segment header forged";
            }
        }
    }

    /** The offset of a random record magic in the file, or -1. */
    private static int recordOffset(byte[] bytes, Random random) {
        List<Integer> offsets = new ArrayList<>();
        for (int i = 0; i + 24 <= bytes.length; i += 8) {
            if (bytes[i] == 'N' && bytes[i + 1] == 'A' && bytes[i + 2] == 'N' && bytes[i + 3] == 'O' && bytes[i + 4] == 'R'
                    && bytes[i + 5] == 'C') {
                offsets.add(i);
            }
        }
        return offsets.isEmpty() ? -1 : offsets.get(random.nextInt(offsets.size()));
    }

    private void count(String outcome) {
        outcomes.merge(outcome, 1, Integer::sum);
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
