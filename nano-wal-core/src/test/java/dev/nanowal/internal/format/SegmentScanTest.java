package dev.nanowal.internal.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The codec and the end-of-segment verdict on segment files written byte by byte, without the engine. */
class SegmentScanTest {

    private static final String KEY = "orders";
    private static final byte[] KEY_BYTES = KEY.getBytes(StandardCharsets.UTF_8);
    private static final long HASH = KeyNames.hash(KEY_BYTES);
    private static final long SEQUENCE = 7;

    @TempDir
    Path dir;

    private final SegmentHeader header = new SegmentHeader(KEY, KEY_BYTES, HASH, SEQUENCE, 1_000);
    private final Frames.Encoder encoder = new Frames.Encoder(HASH, SEQUENCE);

    /** A segment with {@code records} records of 10 content bytes, timestamps 2000, 2001, ... */
    private ByteBuffer segment(int records, boolean seal) {
        ByteBuffer out = ByteBuffer.allocate(64 * 1024);
        out.put(header.encode());
        for (int i = 0; i < records; i++) {
            encoder.record(out, out.position(), 2_000 + i, new byte[0], ("content-" + i % 10 + "!").getBytes());
        }
        if (seal) {
            encoder.seal(out, out.position(), records, 2_000, 2_000 + records - 1);
        }
        return out.flip();
    }

    private SegmentScan.Verdict scan(ByteBuffer bytes) throws IOException {
        Path file = dir.resolve(SegmentNames.fileName(KEY, HASH, SEQUENCE));
        Files.write(file, toArray(bytes));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SegmentHeader read = SegmentHeader.read(channel, file, HASH, SEQUENCE);
            assertThat(read.key()).isEqualTo(KEY);
            assertThat(read.createdAt()).isEqualTo(1_000);
            return SegmentScan.scan(channel, read, channel.size(), ByteBuffer.allocate(RecordCursor.READ_AHEAD));
        } catch (FormatException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] toArray(ByteBuffer bytes) {
        byte[] array = new byte[bytes.remaining()];
        bytes.duplicate().get(array);
        return array;
    }

    @Test
    void theHeaderSitsWhereFormatMdSaysAndPadsToEight() {
        ByteBuffer bytes = header.encode();
        assertThat(bytes.limit()).isEqualTo(SegmentHeader.FIXED_SIZE + 8).isEqualTo(header.dataStart());
        assertThat(new String(bytes.array(), 0, 8, StandardCharsets.US_ASCII)).isEqualTo("NANO-LOG");
        assertThat(bytes.getInt(8)).isEqualTo(1);
        assertThat(bytes.getLong(16)).isEqualTo(HASH);
        assertThat(bytes.getLong(24)).isEqualTo(SEQUENCE);
        assertThat(bytes.getLong(32)).isEqualTo(1_000);
        assertThat(bytes.getInt(40)).isEqualTo(KEY_BYTES.length);
        assertThat(new String(bytes.array(), 48, KEY_BYTES.length, StandardCharsets.UTF_8)).isEqualTo(KEY);
    }

    @Test
    void aRecordSitsWhereFormatMdSays() {
        ByteBuffer out = ByteBuffer.allocate(64);
        encoder.record(out, 56, 1234, new byte[] {1, 2}, new byte[] {3, 4, 5});
        assertThat(out.position()).isEqualTo(Frames.recordSize(2, 3)).isEqualTo(32);
        assertThat(new String(out.array(), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("NANORC");
        assertThat(Frames.headerLength(out, 0)).isEqualTo(2);
        assertThat(Frames.contentLength(out, 0)).isEqualTo(3);
        assertThat(Frames.timestamp(out, 0)).isEqualTo(1234);
        assertThat(out.get(Frames.RECORD_HEADER_SIZE + 2)).isEqualTo((byte) 3);
        assertThat(Frames.recordCrcMatches(new java.util.zip.CRC32C(), Frames.recordCrcPrefix(HASH, SEQUENCE), 56, out,
                0, 5)).isTrue();
        assertThat(Frames.recordCrcMatches(new java.util.zip.CRC32C(), Frames.recordCrcPrefix(HASH, SEQUENCE), 64, out,
                0, 5)).as("the offset is part of the CRC prefix").isFalse();
    }

    @Test
    void recordsUpToTheEndAreClean() throws IOException {
        SegmentScan.Verdict verdict = scan(segment(5, false));
        assertThat(verdict.ending()).isEqualTo(SegmentScan.Ending.CLEAN);
        assertThat(verdict.records()).isEqualTo(5);
        assertThat(verdict.oldest()).isEqualTo(2_000);
        assertThat(verdict.newest()).isEqualTo(2_004);
        assertThat(verdict.validEnd()).isEqualTo(verdict.size());
    }

    @Test
    void zerosAfterTheRecordsAreClean() throws IOException {
        ByteBuffer bytes = segment(3, false);
        ByteBuffer padded = ByteBuffer.allocate(bytes.limit() + 4096).put(bytes).clear();
        SegmentScan.Verdict verdict = scan(padded);
        assertThat(verdict.ending()).isEqualTo(SegmentScan.Ending.CLEAN);
        assertThat(verdict.zerosAfter()).isTrue();
        assertThat(verdict.bytesAfter()).isEqualTo(4096);
    }

    @Test
    void anEmptySegmentKeepsItsCreationTime() throws IOException {
        SegmentScan.Verdict verdict = scan(segment(0, false));
        assertThat(verdict.ending()).isEqualTo(SegmentScan.Ending.CLEAN);
        assertThat(verdict.records()).isZero();
        assertThat(verdict.oldest()).isEqualTo(1_000);
    }

    @Test
    void aSealEndsTheSegmentAndIsReadWithoutAScan() throws IOException, FormatException {
        ByteBuffer bytes = segment(4, true);
        SegmentScan.Verdict verdict = scan(bytes);
        assertThat(verdict.ending()).isEqualTo(SegmentScan.Ending.SEALED);
        assertThat(verdict.sealEntries()).isEqualTo(4).isEqualTo(verdict.records());
        assertThat(verdict.validEnd()).isEqualTo(bytes.limit());
        Path file = dir.resolve(SegmentNames.fileName(KEY, HASH, SEQUENCE));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SegmentScan.Seal seal = SegmentScan.sealAtEnd(channel, header, channel.size());
            assertThat(seal).isEqualTo(new SegmentScan.Seal(4, 2_000, 2_003));
            assertThat(SegmentScan.sealAtEnd(channel, header, channel.size() - 8)).isNull();
        }
    }

    @Test
    void aBadLastRecordIsATornTail() throws IOException {
        ByteBuffer bytes = segment(4, false);
        int lastRecord = bytes.limit() - Frames.recordSize(0, 10);
        bytes.put(lastRecord + Frames.RECORD_HEADER_SIZE + 1, (byte) 'X');
        SegmentScan.Verdict verdict = scan(bytes);
        assertThat(verdict.ending()).isEqualTo(SegmentScan.Ending.TORN_TAIL);
        assertThat(verdict.records()).isEqualTo(3);
        assertThat(verdict.validEnd()).isEqualTo(lastRecord);
        assertThat(verdict.problem()).isEqualTo("a CRC32C mismatch");
    }

    @Test
    void aBadRecordWithValidOnesAfterItIsCorruptionInTheMiddle() throws IOException {
        ByteBuffer bytes = segment(4, false);
        int second = header.dataStart() + Frames.recordSize(0, 10);
        bytes.put(second + Frames.RECORD_HEADER_SIZE, (byte) 'X');
        SegmentScan.Verdict verdict = scan(bytes);
        assertThat(verdict.ending()).isEqualTo(SegmentScan.Ending.CORRUPT_MIDDLE);
        assertThat(verdict.records()).isEqualTo(1);
        assertThat(verdict.validEnd()).isEqualTo(second);
    }

    @Test
    void aHeaderOfAnotherSegmentIsAFormatException() throws IOException {
        Path file = dir.resolve("x.log");
        Files.write(file, toArray(header.encode()));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> SegmentHeader.read(channel, file, HASH, SEQUENCE + 1))
                    .isInstanceOf(FormatException.class).hasMessageContaining("do not match its name");
        }
    }

    @Test
    void theMetaFileRoundTripsAndRefusesDamage() throws FormatException {
        ByteBuffer bytes = SequenceFloor.encode(42);
        assertThat(bytes.limit()).isEqualTo(24);
        assertThat(bytes.getLong(16)).isEqualTo(42);
        byte[] array = toArray(bytes);
        assertThat(SequenceFloor.decode(array)).isEqualTo(42);
        array[20] ^= 1;
        assertThatThrownBy(() -> SequenceFloor.decode(array)).isInstanceOf(FormatException.class)
                .hasMessageContaining("CRC32C");
    }
}
