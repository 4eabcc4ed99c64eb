package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.RecordCursor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sequential reads over many read-ahead windows: records that straddle a window's end, records larger than a
 * window, and damage far into a segment, where a scan has long left its first window.
 */
class ScanTest {

    private static final WalOptions ONE_MIB_SEGMENTS = WalOptions.builder().maxSegmentSize(1024 * 1024).build();

    @TempDir
    Path dir;

    @Test
    void recordsOfEverySizeReadBackInOrderAcrossWindowsAndSegments() {
        Random random = new Random(7);
        List<WalRecord> appended = new ArrayList<>();
        try (Wal wal = Wal.open(dir, WalOptions.builder().maxSegmentSize(256 * 1024).build())) {
            for (int i = 0; i < 600; i++) {
                // mostly small records, whose ends fall anywhere in a window; now and then one larger than a window
                int contentLength = i % 97 == 50 ? 3 * RecordCursor.READ_AHEAD / 2 : random.nextInt(3000);
                byte[] header = i % 3 == 0 ? new byte[0] : TestPayloads.header(i, 1 + random.nextInt(40));
                byte[] content = TestPayloads.content(i, Math.max(contentLength, TestPayloads.MIN_LENGTH));
                appended.add(new WalRecord(wal.appendEntry("k", header, content, false), header, content));
            }
            assertThat(SegmentFiles.segments(dir)).hasSizeGreaterThan(3);

            try (Stream<WalRecord> entries = wal.enumerateEntries("k")) {
                assertThat(entries.toList()).containsExactlyElementsOf(appended);
            }
            try (Stream<byte[]> contents = wal.enumerateRecords("k")) {
                assertThat(contents.toList()).containsExactlyElementsOf(appended.stream().map(WalRecord::content).toList());
            }
            try (Stream<WalRecord> after = wal.enumerateEntriesAfter(appended.get(299).ref())) {
                assertThat(after.toList()).containsExactlyElementsOf(appended.subList(300, 600));
            }
        }
    }

    @Test
    void anEntryAppendedWithoutAHeaderReadsBackWithAnEmptyOne() {
        try (Wal wal = Wal.open(dir)) {
            wal.appendEntry("k", null, TestPayloads.content(1, 100), false);
            wal.appendEntry("k", new byte[0], TestPayloads.content(2, 100), false);
            try (Stream<WalRecord> entries = wal.enumerateEntries("k")) {
                assertThat(entries.toList()).allSatisfy(record -> assertThat(record.header()).isEmpty());
            }
        }
    }

    /**
     * A bit flipped anywhere in a record far into a sealed segment: in the 12 bytes before the CRC (content
     * length), the CRC itself, the timestamp or the content. The scan returns every record before it, then fails
     * naming its offset.
     */
    @ParameterizedTest
    @ValueSource(ints = {11, 13, 17, Frames.RECORD_HEADER_SIZE + 60})
    void damageFarIntoASealedSegmentStopsTheScanAtTheDamagedRecord(int byteInRecord) throws IOException {
        List<EntryRef> refs = appendHundredByteRecords(20_000);
        EntryRef damaged = refs.get(5_000);
        assertThat(damaged.sequenceNumber()).isNotEqualTo(refs.get(refs.size() - 1).sequenceNumber());
        assertThat(damaged.offset()).isGreaterThan(4L * RecordCursor.READ_AHEAD);
        SegmentFiles.flipBit(SegmentFiles.segmentOf(dir, damaged), damaged.offset() + byteInRecord, 2);

        try (Wal wal = Wal.open(dir, ONE_MIB_SEGMENTS); Stream<byte[]> contents = wal.enumerateRecords("k")) {
            Iterator<byte[]> it = contents.iterator();
            int read = 0;
            while (read < 5_000) {
                assertThat(TestPayloads.checkedId(it.next())).isEqualTo(read++);
            }
            assertThatThrownBy(it::hasNext).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining("offset " + damaged.offset())
                    .hasMessageContaining(SegmentFiles.segmentOf(dir, damaged).toString());
            assertThat(wal.stats().corruptionsDetected()).isEqualTo(1);
        }
    }

    /** The offset is part of the CRC: a valid record copied over its neighbour does not read as that neighbour. */
    @Test
    void aRecordCopiedToAnotherOffsetFailsTheScan() throws IOException {
        List<EntryRef> refs = appendHundredByteRecords(20_000);
        EntryRef original = refs.get(3_000);
        EntryRef overwritten = refs.get(3_001);
        Path segment = SegmentFiles.segmentOf(dir, original);
        byte[] file = Files.readAllBytes(segment);
        byte[] record = Arrays.copyOfRange(file, (int) original.offset(), (int) overwritten.offset());
        SegmentFiles.write(segment, overwritten.offset(), record);

        try (Wal wal = Wal.open(dir, ONE_MIB_SEGMENTS); Stream<byte[]> contents = wal.enumerateRecords("k")) {
            assertThatThrownBy(() -> contents.forEach(content -> { })).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining("offset " + overwritten.offset()).hasMessageContaining("CRC32C");
        }
    }

    /** Recovery scans the unsealed segment with its own window: damage far into it is still found at open. */
    @Test
    void damageFarIntoTheActiveSegmentIsFoundAtOpen() throws IOException {
        List<EntryRef> refs = appendHundredByteRecords(5_000);
        EntryRef damaged = refs.get(4_000);
        assertThat(damaged.sequenceNumber()).isEqualTo(refs.get(0).sequenceNumber());
        SegmentFiles.flipBit(SegmentFiles.segmentOf(dir, damaged), damaged.offset() + Frames.RECORD_HEADER_SIZE + 5, 0);

        try (Wal wal = Wal.open(dir, ONE_MIB_SEGMENTS)) {
            assertThat(wal.damage()).singleElement().satisfies(damage -> {
                assertThat(damage.offset()).isEqualTo(damaged.offset());
                assertThat(damage.readableEntries()).isEqualTo(4_999);
            });
            assertThatThrownBy(() -> wal.readEntryAt(damaged)).isInstanceOf(WalCorruptionException.class);
            assertThat(wal.readEntryAt(refs.get(4_999))).hasSize(100);
        }
    }

    /**
     * A crash can write a record back without the zero padding after it. The record is whole, so recovery keeps
     * it; a scan must then not ask the file for the padding either.
     */
    @Test
    void aRecordWhosePaddingACrashCutOffStaysReadable() throws IOException {
        EntryRef last;
        try (Wal wal = Wal.open(dir)) {
            wal.appendEntry("k", null, TestPayloads.content(0, 100), false);
            last = wal.appendEntry("k", null, TestPayloads.content(1, 101), false);
        }
        Path segment = SegmentFiles.segmentOf(dir, last);
        SegmentFiles.truncate(segment, last.offset() + Frames.RECORD_HEADER_SIZE + 101);

        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isZero();
            try (Stream<byte[]> contents = wal.enumerateRecords("k")) {
                assertThat(contents.map(TestPayloads::checkedId).toList()).containsExactly(0L, 1L);
            }
            EntryRef next = wal.appendEntry("k", null, TestPayloads.content(2, 100), true);
            assertThat(next.offset()).isEqualTo(last.offset() + Frames.recordSize(0, 101));
            try (Stream<byte[]> contents = wal.enumerateRecords("k")) {
                assertThat(contents.map(TestPayloads::checkedId).toList()).containsExactly(0L, 1L, 2L);
            }
        }
    }

    /**
     * The same after a process crash, with the record past the segment's promised end: the next durable append
     * hands the journal the bytes from the promised end on, read back from the file, padding included. Found by
     * a 350-round CrashRecoveryTest (one round in about 60 failed with "end of file"); recovery now writes the
     * missing zeros.
     */
    @Test
    void aDurableAppendAfterACrashCutTheUnsyncedLastRecordsPaddingSucceeds() throws IOException {
        Path crashed = dir.resolve("crashed");
        EntryRef last;
        try (Wal wal = Wal.open(dir.resolve("wal"), WalOptions.builder().writeBufferSize(0).build())) {
            wal.appendEntry("k", null, TestPayloads.content(0, 100), true);
            // handed to the operating system at once (no write buffer) but never fsynced or journaled
            last = wal.appendEntry("k", null, TestPayloads.content(1, 101), false);
            WalCopies.copy(dir.resolve("wal"), crashed);
        }
        Path segment = SegmentFiles.segmentOf(crashed, last);
        long cut = last.offset() + Frames.RECORD_HEADER_SIZE + 101;
        SegmentFiles.truncate(segment, cut);

        try (Wal wal = Wal.open(crashed)) {
            EntryRef next = wal.appendEntry("k", null, TestPayloads.content(2, 100), true);
            assertThat(next.offset()).isEqualTo(last.offset() + Frames.recordSize(0, 101));
            try (Stream<byte[]> contents = wal.enumerateRecords("k")) {
                assertThat(contents.map(TestPayloads::checkedId).toList()).containsExactly(0L, 1L, 2L);
            }
        }
        assertThat(Files.size(segment)).as("the padding written back, then the next record").isGreaterThan(cut);
        try (Wal wal = Wal.open(crashed)) {
            try (Stream<byte[]> contents = wal.enumerateRecords("k")) {
                assertThat(contents.map(TestPayloads::checkedId).toList()).containsExactly(0L, 1L, 2L);
            }
        }
    }

    private List<EntryRef> appendHundredByteRecords(int count) {
        List<EntryRef> refs = new ArrayList<>(count);
        try (Wal wal = Wal.open(dir, ONE_MIB_SEGMENTS)) {
            for (int i = 0; i < count; i++) {
                refs.add(wal.appendEntry("k", null, TestPayloads.content(i, 100), false));
            }
        }
        return refs;
    }
}
