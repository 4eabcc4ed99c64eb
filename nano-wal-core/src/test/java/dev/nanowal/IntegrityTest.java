package dev.nanowal;

import static dev.nanowal.RotationAndRetentionTest.contents;
import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.internal.format.Frames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntegrityTest {

    @TempDir
    Path dir;

    private List<EntryRef> writeTen(String key) {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir)) {
            for (int i = 0; i < 10; i++) {
                refs.add(wal.appendEntry(key, bytes("h" + i), bytes("content-" + i), false));
            }
        }
        return refs;
    }

    @Test
    void aFlippedBitInContentIsReportedNotReturned() throws IOException {
        try (Wal wal = Wal.open(dir)) {
            EntryRef damaged = wal.appendEntry("k", null, bytes("content-0"), false);
            EntryRef intact = wal.appendEntry("k", null, bytes("content-1"), false);
            wal.sync();
            Path segment = SegmentFiles.segmentOf(dir, damaged);
            SegmentFiles.flipBit(segment, damaged.offset() + Frames.RECORD_HEADER_SIZE + 3, 2);

            assertThatThrownBy(() -> wal.readEntryAt(damaged)).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining("CRC32C").hasMessageContaining(segment.getFileName().toString());
            assertThat(wal.readEntryAt(intact)).isEqualTo(bytes("content-1"));
            assertThat(wal.stats().corruptionsDetected()).isEqualTo(1);
        }
    }

    /**
     * Ten entries of which the first nine were synced, as a crash leaves them: the tenth written to the file but
     * never fsynced. Returns the crash image, a copy taken while the WAL was open.
     */
    private Path nineSyncedAndOneUnsynced(String key, List<EntryRef> refs) throws IOException {
        Path image = dir.resolveSibling(dir.getFileName() + "-crashed");
        try (Wal wal = Wal.open(dir)) {
            for (int i = 0; i < 10; i++) {
                refs.add(wal.appendEntry(key, bytes("h" + i), bytes("content-" + i), false));
                if (i == 8) {
                    wal.sync();
                }
            }
            // flushes the write buffer into the file: what the page cache holds when the process dies
            wal.readEntryAt(refs.get(9));
            WalCopies.copy(dir, image);
        }
        return image;
    }

    @Test
    void aDamagedLastRecordInsideSyncedBytesIsDamageNotATornTail() throws IOException {
        List<EntryRef> refs = writeTen("k");
        SegmentFiles.flipBit(SegmentFiles.segmentOf(dir, refs.get(9)), refs.get(9).offset() + 30, 1);

        try (Wal wal = Wal.open(dir)) {
            assertThatThrownBy(() -> contents(wal, "k")).isInstanceOf(WalCorruptionException.class);
            try (Stream<WalRecord> intact = wal.enumerateIntactEntries("k")) {
                assertThat(intact.count()).isEqualTo(9);
            }
            assertThatThrownBy(() -> wal.readEntryAt(refs.get(9))).isInstanceOf(WalCorruptionException.class);
            assertThat(wal.damage()).singleElement().extracting(WalDamage::offset).isEqualTo(refs.get(9).offset());
        }
    }

    @Test
    void aDamagedUnsyncedLastRecordIsATornTail() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        Path image = nineSyncedAndOneUnsynced("k", refs);
        SegmentFiles.flipBit(SegmentFiles.segmentOf(image, refs.get(9)), refs.get(9).offset() + 30, 1);

        try (Wal wal = Wal.open(image)) {
            assertThat(contents(wal, "k")).hasSize(9);
            assertThatThrownBy(() -> wal.readEntryAt(refs.get(9))).isInstanceOf(WalEntryNotFoundException.class);
            assertThat(wal.damage()).isEmpty();
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isPositive();
        }
    }

    @Test
    void aDamagedRecordInTheMiddleIsQuarantinedAndRepairStillCutsIt() throws IOException {
        List<EntryRef> refs = writeTen("k");
        Path segment = SegmentFiles.segmentOf(dir, refs.get(3));
        SegmentFiles.flipBit(segment, refs.get(3).offset() + Frames.RECORD_HEADER_SIZE, 0);

        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.damage()).singleElement().satisfies(damage -> {
                assertThat(damage.file()).isEqualTo(segment);
                assertThat(damage.offset()).isEqualTo(refs.get(3).offset());
            });
            assertThatThrownBy(() -> wal.readEntryAt(refs.get(3))).isInstanceOf(WalCorruptionException.class);
            assertThat(wal.readEntryAt(refs.get(9))).isEqualTo(bytes("content-9"));
        }
        try (Wal wal = Wal.open(dir, WalOptions.builder().repairCorruptTail(true).build())) {
            assertThat(contents(wal, "k")).containsExactly("content-0", "content-1", "content-2");
            assertThat(wal.damage()).isEmpty();
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isPositive();
            assertThat(wal.stats().corruptionsDetected()).isEqualTo(1);
            EntryRef next = wal.appendEntry("k", null, bytes("after repair"), true);
            assertThat(wal.readEntryAt(next)).isEqualTo(bytes("after repair"));
        }
        Path broken = segment.resolveSibling(segment.getFileName() + ".broken");
        assertThat(broken).exists();
        assertThat(Files.size(broken)).isEqualTo(refs.get(9).offset() + 40 - refs.get(3).offset());
    }

    @Test
    void aTornTailIsCutAndAppendingContinues() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        Path image = nineSyncedAndOneUnsynced("k", refs);
        Path segment = SegmentFiles.segmentOf(image, refs.get(9));
        SegmentFiles.truncate(segment, refs.get(9).offset() + 30);

        try (Wal wal = Wal.open(image)) {
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isEqualTo(30);
            assertThat(contents(wal, "k")).hasSize(9).last().isEqualTo("content-8");
            assertThatThrownBy(() -> wal.readEntryAt(refs.get(9))).isInstanceOf(WalEntryNotFoundException.class);
            EntryRef next = wal.logEntry("k", null, bytes("next"));
            assertThat(next.offset()).isEqualTo(refs.get(9).offset());
        }
        assertThat(Files.size(segment)).isEqualTo(refs.get(9).offset() + Frames.recordSize(0, 4));
    }

    @Test
    void garbageAndZerosAfterTheLastRecordAreCut() throws IOException {
        List<EntryRef> refs = writeTen("g");
        Path segment = SegmentFiles.segmentOf(dir, refs.get(9));
        long size = Files.size(segment);
        SegmentFiles.append(segment, new byte[4096]);
        SegmentFiles.append(segment, bytes("garbage that is not a record"));

        try (Wal wal = Wal.open(dir)) {
            assertThat(contents(wal, "g")).hasSize(10);
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isEqualTo(4096 + 28);
        }
        assertThat(Files.size(segment)).isEqualTo(size);
    }

    @Test
    void zerosInTheMiddleOfSyncedBytesAreDamageNotATornTail() throws IOException {
        List<EntryRef> refs = writeTen("z");
        Path segment = SegmentFiles.segmentOf(dir, refs.get(4));
        SegmentFiles.write(segment, refs.get(4).offset(), new byte[(int) (refs.get(6).offset() - refs.get(4).offset())]);

        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.damage()).singleElement().satisfies(damage -> {
                assertThat(damage.problem()).contains("zero bytes");
                assertThat(damage.offset()).isEqualTo(refs.get(4).offset());
                assertThat(damage.readableEntries()).isEqualTo(8);
            });
            assertThatThrownBy(() -> wal.readEntryAt(refs.get(5))).isInstanceOf(WalCorruptionException.class);
            assertThat(wal.readEntryAt(refs.get(6))).isEqualTo(bytes("content-6"));
        }
    }

    @Test
    void zerosInsideASealedSegmentFailEnumerationInsteadOfEndingItEarly() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            for (int i = 0; i < 60; i++) {
                refs.add(wal.appendEntry("s", null, new byte[200], false));
            }
        }
        Path sealed = SegmentFiles.segmentOf(dir, refs.get(0));
        SegmentFiles.write(sealed, refs.get(2).offset(), new byte[Frames.recordSize(0, 200)]);

        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build());
                Stream<byte[]> all = wal.enumerateRecords("s")) {
            assertThatThrownBy(() -> all.forEach(record -> { })).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining("offset " + refs.get(2).offset());
        }
    }

    @Test
    void aHugeLengthOnDiskIsRefusedWithoutAllocatingIt() throws IOException {
        List<EntryRef> refs = writeTen("k");
        Path segment = SegmentFiles.segmentOf(dir, refs.get(5));
        SegmentFiles.write(segment, refs.get(5).offset() + Frames.CONTENT_LENGTH_AT,
                ByteBuffer.allocate(4).putInt(0x7fff_0000).array());

        try (Wal wal = Wal.open(dir, WalOptions.builder().repairCorruptTail(true).build())) {
            assertThat(contents(wal, "k")).hasSize(5);
        }
    }

    @Test
    void corruptionInASealedSegmentIsReportedByEnumeration() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            for (int i = 0; i < 100; i++) {
                refs.add(wal.appendEntry("s", null, new byte[200], false));
            }
        }
        assertThat(refs.get(0).sequenceNumber()).isNotEqualTo(refs.get(99).sequenceNumber());
        SegmentFiles.flipBit(SegmentFiles.segmentOf(dir, refs.get(1)), refs.get(1).offset() + 100, 7);

        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            assertThatThrownBy(() -> {
                try (Stream<byte[]> all = wal.enumerateRecords("s")) {
                    all.forEach(record -> { });
                }
            }).isInstanceOf(WalCorruptionException.class).hasMessageContaining("offset " + refs.get(1).offset());
            assertThatThrownBy(() -> wal.readEntryAt(refs.get(1))).isInstanceOf(WalCorruptionException.class);
            assertThat(wal.readEntryAt(refs.get(99))).hasSize(200);
            assertThat(wal.stats().corruptionsDetected()).isEqualTo(2);
        }
    }

    @Test
    void refsWithAnotherKeysHashOrSegmentOrAShiftedOffsetDoNotResolve() {
        try (Wal wal = Wal.open(dir)) {
            EntryRef a = wal.appendEntry("a", null, bytes("payload of a"), false);
            EntryRef b = wal.appendEntry("b", null, bytes("payload of b"), false);
            assertThatThrownBy(() -> wal.readEntryAt(new EntryRef(b.keyHash(), a.sequenceNumber(), a.offset())))
                    .isInstanceOf(WalEntryNotFoundException.class);
            assertThatThrownBy(() -> wal.readEntryAt(new EntryRef(a.keyHash(), a.sequenceNumber(), a.offset() + 8)))
                    .isInstanceOf(WalEntryNotFoundException.class);
            assertThatThrownBy(() -> wal.readEntryAt(new EntryRef(a.keyHash(), a.sequenceNumber(), a.offset() + 3)))
                    .isInstanceOf(WalEntryNotFoundException.class);
            assertThatThrownBy(() -> wal.readEntryAt(new EntryRef(a.keyHash(), a.sequenceNumber(), Long.MAX_VALUE)))
                    .isInstanceOf(WalEntryNotFoundException.class);
            assertThatThrownBy(() -> wal.readEntryAt(new EntryRef(a.keyHash(), a.sequenceNumber(), -8)))
                    .isInstanceOf(WalEntryNotFoundException.class);
        }
    }

    @Test
    void aCopyOfARecordInsideAnotherRecordsContentIsNotAnEntry() {
        try (Wal wal = Wal.open(dir)) {
            EntryRef inner = wal.appendEntry("k", null, bytes("inner"), false);
            ByteBuffer copy = ByteBuffer.allocate(Frames.recordSize(0, 5));
            new Frames.Encoder(inner.keyHash(), inner.sequenceNumber()).record(copy, inner.offset(), 0, new byte[0],
                    bytes("inner"));
            byte[] content = new byte[40 + copy.capacity()];
            System.arraycopy(copy.array(), 0, content, 40, copy.capacity());
            EntryRef outer = wal.appendEntry("k", null, content, false);
            long embeddedAt = outer.offset() + Frames.RECORD_HEADER_SIZE + 40;

            assertThatThrownBy(() -> wal.readEntryAt(new EntryRef(outer.keyHash(), outer.sequenceNumber(), embeddedAt)))
                    .isInstanceOf(WalCorruptionException.class);
            assertThat(wal.readEntryAt(inner)).isEqualTo(bytes("inner"));
        }
    }
}
