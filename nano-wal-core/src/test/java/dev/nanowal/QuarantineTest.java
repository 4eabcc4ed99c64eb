package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.internal.format.DurableExtentsFile;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.SequenceFloor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage inside one key never takes the WAL down (issue 13): the damaged segment is kept as it is, its intact
 * entries read, the damaged one fails as corrupt, the key continues in a new segment, and the damage is listed.
 */
@ExtendWith(QuietWalLogs.class)
class QuarantineTest {

    @TempDir
    Path dir;

    private List<EntryRef> appendDurable(String key, int count) {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir)) {
            for (int i = 0; i < count; i++) {
                refs.add(wal.appendEntry(key, null, bytes(key + "-" + i), true));
            }
            wal.appendEntry("other", null, bytes("healthy"), true);
        }
        return refs;
    }

    private static List<String> contents(Stream<WalRecord> records) {
        try (records) {
            return records.map(record -> new String(record.content())).toList();
        }
    }

    @Test
    void aFlippedBitInTheMiddleOfAKeyQuarantinesItsSegmentAndTheWalOpens() throws IOException {
        List<EntryRef> refs = appendDurable("k", 5);
        Path segment = SegmentFiles.segmentOf(dir, refs.get(2));
        SegmentFiles.flipBit(segment, refs.get(2).offset() + Frames.RECORD_HEADER_SIZE + 1, 3);
        byte[] damagedBytes = Files.readAllBytes(segment);

        EntryRef next;
        try (Wal wal = Wal.open(dir)) {
            for (int i : new int[] {0, 1, 3, 4}) {
                assertThat(wal.readEntryAt(refs.get(i))).isEqualTo(bytes("k-" + i));
            }
            assertThatThrownBy(() -> wal.readEntryAt(refs.get(2))).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining(segment.getFileName().toString());
            assertThatThrownBy(() -> contents(wal.enumerateEntries("k"))).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining("offset " + refs.get(2).offset());
            assertThat(contents(wal.enumerateIntactEntries("k"))).containsExactly("k-0", "k-1", "k-3", "k-4");
            assertThat(contents(wal.enumerateEntries("other"))).containsExactly("healthy");

            assertThat(wal.damage()).singleElement().satisfies(damage -> {
                assertThat(damage.key()).isEqualTo("k");
                assertThat(damage.file()).isEqualTo(segment);
                assertThat(damage.sequenceNumber()).isEqualTo(refs.get(2).sequenceNumber());
                assertThat(damage.offset()).isEqualTo(refs.get(2).offset());
                assertThat(damage.readableEntries()).isEqualTo(4);
                assertThat(damage.problem()).contains("CRC32C");
            });
            assertThat(wal.stats().corruptionsDetected()).isPositive();
            assertThat(wal.keyInfo("k").orElseThrow().entries()).isEqualTo(4);

            next = wal.appendEntry("k", null, bytes("after"), true);
            assertThat(next.sequenceNumber()).isGreaterThan(refs.get(2).sequenceNumber());
            assertThat(wal.readEntryAt(next)).isEqualTo(bytes("after"));
        }
        assertThat(Files.readAllBytes(segment)).as("a quarantined segment is never rewritten").isEqualTo(damagedBytes);
        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.damage()).hasSize(1);
            assertThat(contents(wal.enumerateIntactEntries("k"))).containsExactly("k-0", "k-1", "k-3", "k-4", "after");
        }
    }

    @Test
    void repairCorruptTailStillCutsTheDamageAndKeepsABrokenCopy() throws IOException {
        List<EntryRef> refs = appendDurable("k", 5);
        Path segment = SegmentFiles.segmentOf(dir, refs.get(2));
        SegmentFiles.flipBit(segment, refs.get(2).offset() + Frames.RECORD_HEADER_SIZE, 0);

        try (Wal wal = Wal.open(dir, WalOptions.builder().repairCorruptTail(true).build())) {
            assertThat(contents(wal.enumerateEntries("k"))).containsExactly("k-0", "k-1");
            assertThat(wal.damage()).isEmpty();
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isPositive();
        }
        assertThat(segment.resolveSibling(segment.getFileName() + ".broken")).exists();
    }

    @Test
    void aDamagedHeaderIsSalvagedWithTheKeyItsOtherSegmentsName() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            for (int i = 0; i < 40; i++) {
                refs.add(wal.appendEntry("k", null, new byte[200], true));
            }
        }
        EntryRef first = refs.get(0);
        EntryRef last = refs.get(39);
        assertThat(first.sequenceNumber()).isNotEqualTo(last.sequenceNumber());
        Path damaged = SegmentFiles.segmentOf(dir, first);
        SegmentFiles.flipBit(damaged, 0, 1);

        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            assertThat(wal.readEntryAt(first)).hasSize(200);
            assertThat(wal.readEntryAt(last)).hasSize(200);
            assertThat(wal.damage()).singleElement().satisfies(damage -> {
                assertThat(damage.key()).isEqualTo("k");
                assertThat(damage.file()).isEqualTo(damaged);
                assertThat(damage.offset()).isZero();
                assertThat(damage.problem()).contains("NANO-LOG");
            });
            assertThat(contents(wal.enumerateEntries("k"))).hasSize(40);
        }
    }

    @Test
    void aHeaderWhoseKeyIsLostMakesItsSegmentUnreadableButNotTheWal() throws IOException {
        List<EntryRef> refs = appendDurable("lost", 3);
        Path damaged = SegmentFiles.segmentOf(dir, refs.get(0));
        SegmentFiles.flipBit(damaged, 48, 0);

        try (Wal wal = Wal.open(dir)) {
            assertThatThrownBy(() -> wal.readEntryAt(refs.get(1))).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining(damaged.getFileName().toString());
            assertThat(wal.damage()).singleElement().satisfies(damage -> {
                assertThat(damage.key()).isNull();
                assertThat(damage.keyHash()).isEqualTo(refs.get(0).keyHash());
                assertThat(damage.file()).isEqualTo(damaged);
            });
            assertThat(contents(wal.enumerateEntries("other"))).containsExactly("healthy");
            EntryRef next = wal.appendEntry("lost", null, bytes("again"), true);
            assertThat(wal.readEntryAt(next)).isEqualTo(bytes("again"));
        }
        assertThat(damaged).exists();
    }

    @Test
    void aDamagedMetaFileIsIsolatedAndNoSequenceNumberIsHandedOutAgain() throws IOException {
        List<EntryRef> refs = appendDurable("k", 2);
        Path meta = dir.resolve(SequenceFloor.FILE_NAME);
        Files.write(meta, SequenceFloor.encode(5).array());
        SegmentFiles.flipBit(meta, 20, 4);

        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.readEntryAt(refs.get(1))).isEqualTo(bytes("k-1"));
            assertThat(wal.damage()).singleElement().satisfies(damage -> {
                assertThat(damage.file()).isEqualTo(meta);
                assertThat(damage.key()).isNull();
                assertThat(damage.problem()).contains("damaged");
            });
            EntryRef next = wal.appendEntry("new", null, bytes("x"), true);
            assertThat(next.sequenceNumber()).isGreaterThan(1L << 40);
        }
        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.damage()).as("the meta file was written again").isEmpty();
        }
    }

    @Test
    void aDamagedExtentsFileMakesEveryByteCountAsDurable() throws IOException {
        List<EntryRef> refs = appendDurable("k", 3);
        Path extents = dir.resolve(DurableExtentsFile.FILE_NAME);
        assertThat(extents).exists();
        SegmentFiles.flipBit(extents, 30, 2);
        Path segment = SegmentFiles.segmentOf(dir, refs.get(1));
        SegmentFiles.flipBit(segment, refs.get(1).offset() + Frames.RECORD_HEADER_SIZE, 0);

        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.damage()).extracting(WalDamage::file).containsExactlyInAnyOrder(extents, segment);
            assertThat(wal.readEntryAt(refs.get(2))).isEqualTo(bytes("k-2"));
        }
    }
}
