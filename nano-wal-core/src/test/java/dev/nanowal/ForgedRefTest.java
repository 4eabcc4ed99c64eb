package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.internal.format.Frames;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forged and stale {@link EntryRef}s: random ones, ones into the middle of records, ones with another key's
 * hash or another segment's number, and refs into compacted segments. Each must fail with a typed exception
 * (not found, or corruption), never return bytes and never make the JVM allocate a length read from disk.
 */
class ForgedRefTest {

    @TempDir
    Path dir;

    private static final String[] KEYS = {"alpha", "beta", "gamma/δ"};

    /** Real refs and their ids; several segments per key. */
    private static Map<EntryRef, Long> fill(Wal wal) {
        Map<EntryRef, Long> real = new HashMap<>();
        SplittableRandom random = new SplittableRandom(5);
        long id = 1;
        for (int i = 0; i < 300; i++, id++) {
            String key = KEYS[i % KEYS.length];
            int size = i % 50 == 7 ? 100_000 : TestPayloads.MIN_LENGTH + random.nextInt(600);
            byte[] header = i % 3 == 0 ? TestPayloads.header(id, 1 + random.nextInt(40)) : null;
            real.put(wal.appendEntry(key, header, TestPayloads.content(id, size), i % 5 == 0), id);
        }
        return real;
    }

    /** Reads a forged ref: it must fail typed, unless it is one of the real refs (then the bytes must be exact). */
    private static void expectRejected(Wal wal, EntryRef ref, Map<EntryRef, Long> real) {
        Long id = real.get(ref);
        try {
            WalRecord record = wal.readRecordAt(ref);
            if (id == null) {
                throw new AssertionError("forged " + ref + " returned " + record);
            }
            assertThat(TestPayloads.checkedId(record.content())).isEqualTo(id);
        } catch (WalEntryNotFoundException | WalCorruptionException expected) {
            if (id != null) {
                throw new AssertionError("real " + ref + " was refused", expected);
            }
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Test
    void forgedRefsFailTypedAndNeverReturnBytes() throws Exception {
        WalOptions options = WalOptions.builder().maxSegmentSize(8192).build();
        try (Wal wal = Wal.open(dir, options)) {
            Map<EntryRef, Long> real = fill(wal);
            checkForgeries(wal, real);
        }
        try (Wal wal = Wal.open(dir, options)) {
            Map<EntryRef, Long> real = new HashMap<>();
            for (String key : KEYS) {
                try (Stream<WalRecord> records = wal.enumerateEntries(key)) {
                    records.forEach(r -> real.put(r.ref(), TestPayloads.checkedId(r.content())));
                }
            }
            assertThat(real).hasSize(300);
            checkForgeries(wal, real);
            assertThat(wal.lastWriteFailure()).isEmpty();
        }
    }

    private static void checkForgeries(Wal wal, Map<EntryRef, Long> real) {
        SplittableRandom random = new SplittableRandom(99);
        Map<Long, TreeSet<Long>> sequencesByHash = new HashMap<>();
        for (EntryRef ref : real.keySet()) {
            sequencesByHash.computeIfAbsent(ref.keyHash(), h -> new TreeSet<>()).add(ref.sequenceNumber());
        }
        List<Long> hashes = new ArrayList<>(sequencesByHash.keySet());
        List<Long> sequences = new ArrayList<>();
        sequencesByHash.values().forEach(sequences::addAll);
        // offsets within 24 bytes of Long.MAX_VALUE have their own test (offsetsNearLongMaxAreNotFound)
        long[] extremes = {Long.MIN_VALUE, -8, -1, 0, 1, 7, 8, 16, 24, 48, 56, Integer.MAX_VALUE, 1L << 32,
                1L << 62, Long.MAX_VALUE - 31, Long.MAX_VALUE};
        // entirely random
        for (int i = 0; i < 5_000; i++) {
            expectRejected(wal, new EntryRef(random.nextLong(), random.nextLong(), random.nextLong()), real);
        }
        // a real key, random or extreme segments and offsets
        for (long hash : hashes) {
            for (long offset : extremes) {
                for (long sequence : sequences) {
                    expectRejected(wal, new EntryRef(hash, sequence, offset), real);
                }
                expectRejected(wal, new EntryRef(hash, -1, offset), real);
                expectRejected(wal, new EntryRef(hash, Long.MAX_VALUE, offset), real);
            }
            for (int i = 0; i < 3_000; i++) {
                long sequence = sequences.get(random.nextInt(sequences.size()));
                expectRejected(wal, new EntryRef(hash, sequence, random.nextInt(200_000)), real);
                expectRejected(wal, new EntryRef(hash, sequence, random.nextInt(25_000) * 8L), real);
            }
        }
        for (Map.Entry<EntryRef, Long> entry : real.entrySet()) {
            EntryRef ref = entry.getKey();
            WalRecord record = wal.readRecordAt(ref);
            int size = Frames.recordSize(record.header().length, record.content().length);
            // every aligned (and some unaligned) offset inside the record
            for (long inside = 1; inside < size; inside += inside < 64 ? 1 : 8 + random.nextInt(4) * 8) {
                expectRejected(wal, new EntryRef(ref.keyHash(), ref.sequenceNumber(), ref.offset() + inside), real);
            }
            // the same segment and offset under every other key's hash
            for (long hash : hashes) {
                expectRejected(wal, new EntryRef(hash, ref.sequenceNumber(), ref.offset()), real);
            }
            // the same key and offset in every other segment
            for (long sequence : sequences) {
                expectRejected(wal, new EntryRef(ref.keyHash(), sequence, ref.offset()), real);
            }
        }
    }

    /**
     * An aligned offset within 24 bytes of {@code Long.MAX_VALUE} passes Segment.read's bounds check, because
     * {@code offset + RECORD_HEADER_SIZE > end} overflows to a negative number; the read then goes to the file at
     * that position and fails with {@code WalIOException: Invalid argument} (pread's EINVAL), an I/O error for
     * what is a forged reference.
     */
    @Test
    void offsetsNearLongMaxAreNotFound() {
        try (Wal wal = Wal.open(dir)) {
            EntryRef real = wal.logEntry("k", null, TestPayloads.content(1, 40));
            for (long offset : new long[] {Long.MAX_VALUE - 7, Long.MAX_VALUE - 15, Long.MAX_VALUE - 23}) {
                EntryRef forged = new EntryRef(real.keyHash(), real.sequenceNumber(), offset);
                assertThatThrownBy(() -> wal.readRecordAt(forged)).as("offset %d", offset)
                        .isInstanceOf(WalEntryNotFoundException.class);
                assertThatThrownBy(() -> {
                    try (Stream<WalRecord> after = wal.enumerateEntriesAfter(forged)) {
                        after.count();
                    }
                }).as("checkpoint at offset %d", offset).isInstanceOf(WalEntryNotFoundException.class);
            }
            assertThat(wal.lastWriteFailure()).isEmpty();
        }
    }

    @Test
    void aRefIntoBytesThatMerelyLookLikeARecordFailsItsChecksum() throws Exception {
        try (Wal wal = Wal.open(dir)) {
            EntryRef original = wal.logEntry("k", "h".getBytes(), TestPayloads.content(1, 40));
            WalRecord originalRecord = wal.readRecordAt(original);
            int size = Frames.recordSize(originalRecord.header().length, originalRecord.content().length);
            byte[] raw = new byte[size];
            Path segment;
            try (Stream<Path> files = Files.list(dir)) {
                segment = files.filter(p -> p.getFileName().toString().endsWith(".log")).findFirst().orElseThrow();
            }
            try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
                channel.read(ByteBuffer.wrap(raw), original.offset());
            }
            // a content that holds, 8-byte aligned, an exact copy of a valid record of the same key and segment
            byte[] content = new byte[8 + size + 8];
            System.arraycopy(raw, 0, content, 8, size);
            EntryRef carrier = wal.logEntry("k", null, content);
            assertThat(carrier.sequenceNumber()).isEqualTo(original.sequenceNumber());
            EntryRef inside = new EntryRef(carrier.keyHash(), carrier.sequenceNumber(), carrier.offset() + 24 + 8);
            assertThat(inside.offset() % 8).isZero();
            assertThatThrownBy(() -> wal.readRecordAt(inside)).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining("CRC32C");
            assertThat(wal.readEntryAt(carrier)).isEqualTo(content);
            assertThat(wal.readEntryAt(original)).isEqualTo(TestPayloads.content(1, 40));
        }
    }

    @Test
    void refsIntoCompactedSegmentsStayNotFoundAndSequencesAreNeverReused() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
        WalOptions options = WalOptions.builder().entryRetention(Duration.ofHours(1)).segmentsPerRetentionPeriod(4)
                .clock(clock).build();
        List<EntryRef> gone = new ArrayList<>();
        List<EntryRef> rollingOld = new ArrayList<>();
        Set<Long> sequencesSeen = new HashSet<>();
        EntryRef rollingNew;
        try (Wal wal = Wal.open(dir, options)) {
            for (int i = 0; i < 20; i++) {
                gone.add(wal.appendEntry("gone", null, TestPayloads.content(i, 32), i % 2 == 0));
                rollingOld.add(wal.appendEntry("rolling", null, TestPayloads.content(100 + i, 32), false));
            }
            clock.advance(Duration.ofMinutes(50));
            rollingNew = wal.logEntry("rolling", null, TestPayloads.content(200, 32));
            assertThat(rollingNew.sequenceNumber()).as("a new time slice, a new segment")
                    .isGreaterThan(rollingOld.get(0).sequenceNumber());
            clock.advance(Duration.ofMinutes(20));
            CompactionResult result = wal.compact();
            assertThat(result.segmentsDeleted()).isEqualTo(2);
            gone.forEach(ref -> sequencesSeen.add(ref.sequenceNumber()));
            rollingOld.forEach(ref -> sequencesSeen.add(ref.sequenceNumber()));
            sequencesSeen.add(rollingNew.sequenceNumber());
            assertStale(wal, gone, rollingOld);
            assertThat(wal.readEntryAt(rollingNew)).isEqualTo(TestPayloads.content(200, 32));
            try (Stream<WalRecord> after = wal.enumerateEntriesAfter(rollingOld.get(3))) {
                assertThat(after.map(WalRecord::ref)).as("a checkpoint in a compacted segment resumes at what is left")
                        .containsExactly(rollingNew);
            }
            EntryRef again = wal.logEntry("gone", null, TestPayloads.content(300, 32));
            assertThat(again.sequenceNumber()).as("the key's new segment").isGreaterThan(maxOf(sequencesSeen));
            assertThat(wal.readEntryAt(again)).isEqualTo(TestPayloads.content(300, 32));
            sequencesSeen.add(again.sequenceNumber());
            gone.add(0, again); // checked separately below; keep the list of stale ones clean
            gone.remove(0);
            assertThat(wal.enumerateKeys()).containsExactly("gone", "rolling");
        }
        try (Wal wal = Wal.open(dir, options)) {
            assertStale(wal, gone, rollingOld);
            // rollingNew's slice (15 minutes from minute 50) is over: the append opens a new segment
            EntryRef nextSlice = wal.logEntry("rolling", null, TestPayloads.content(401, 32));
            assertThat(nextSlice.sequenceNumber()).as("a new segment after reopening gets a number never used")
                    .isGreaterThan(maxOf(sequencesSeen));
            sequencesSeen.add(nextSlice.sequenceNumber());
            assertThat(wal.readEntryAt(rollingNew)).isEqualTo(TestPayloads.content(200, 32));
            // compact everything, the active segments too: a key with nothing left, then reopened
            clock.advance(Duration.ofHours(2));
            assertThat(wal.compact().segmentsDeleted()).isEqualTo(3);
            assertThat(wal.enumerateKeys()).isEmpty();
        }
        try (Wal wal = Wal.open(dir, options)) {
            assertThat(wal.enumerateKeys()).isEmpty();
            assertStale(wal, gone, rollingOld);
            assertThatThrownBy(() -> wal.readEntryAt(rollingNew)).isInstanceOf(WalEntryNotFoundException.class);
            for (String key : new String[] {"gone", "rolling", "fresh"}) {
                EntryRef fresh = wal.logEntry(key, null, TestPayloads.content(500, 32));
                assertThat(fresh.sequenceNumber()).as("key %s after every segment was compacted and the WAL reopened", key)
                        .isGreaterThan(maxOf(sequencesSeen));
                sequencesSeen.add(fresh.sequenceNumber());
                assertThat(wal.readEntryAt(fresh)).isEqualTo(TestPayloads.content(500, 32));
            }
        }
    }

    private static long maxOf(Set<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    private static void assertStale(Wal wal, List<EntryRef> gone, List<EntryRef> rollingOld) {
        for (EntryRef ref : gone) {
            assertThatThrownBy(() -> wal.readRecordAt(ref)).as("%s of a compacted segment", ref)
                    .isInstanceOf(WalEntryNotFoundException.class);
        }
        for (EntryRef ref : rollingOld) {
            assertThatThrownBy(() -> wal.readRecordAt(ref)).as("%s of a compacted segment", ref)
                    .isInstanceOf(WalEntryNotFoundException.class);
        }
    }
}
