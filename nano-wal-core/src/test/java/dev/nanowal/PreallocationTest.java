package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.cli.WalCli;
import dev.nanowal.internal.format.Frames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable appends without the commit journal (which fsync their own segment) keep zeros preallocated ahead of
 * the data (FORMAT.md). Nobody may see them: not readers, not a clean reopen, not {@code verify}; a crash image
 * that holds them opens with every entry and no torn tail; seals and clean closes leave files that end exactly
 * at their data.
 */
class PreallocationTest {

    @TempDir
    Path dir;

    @TempDir
    Path crashImage;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** With the journal, segments are fsynced by checkpoints only, which never preallocate. */
    private static final WalOptions PER_SEGMENT_FSYNC = WalOptions.builder().journal(false).build();

    @Test
    void durableAppendsPreallocateAndACleanCloseLeavesTheFileEndingAtItsData() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, PER_SEGMENT_FSYNC)) {
            for (int i = 0; i < 20; i++) {
                refs.add(wal.logEntry("k", null, TestPayloads.content(i, 100)));
            }
            Path segment = SegmentFiles.segmentOf(dir, refs.get(0));
            long dataEnd = wal.keyInfo("k").orElseThrow().bytes();
            assertThat(Files.size(segment)).as("file size while open, data ends at %d", dataEnd)
                    .isGreaterThan(dataEnd).isLessThanOrEqualTo(dataEnd + Math.max(4096, dataEnd) + 4096);
            assertThat(wal.enumerateRecords("k").count()).isEqualTo(20);
            EntryRef past = new EntryRef(refs.get(0).keyHash(), refs.get(0).sequenceNumber(), dataEnd);
            assertThatThrownBy(() -> wal.readEntryAt(past)).isInstanceOf(WalEntryNotFoundException.class);
        }
        Path segment = SegmentFiles.segmentOf(dir, refs.get(0));
        try (Wal wal = Wal.open(dir, PER_SEGMENT_FSYNC)) {
            assertThat(Files.size(segment)).isEqualTo(wal.keyInfo("k").orElseThrow().bytes());
            for (int i = 0; i < refs.size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(refs.get(i)))).isEqualTo(i);
            }
        }
    }

    @Test
    void aCrashImageWithPreallocatedZerosOpensWithEveryEntryAndNoTornTail() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, PER_SEGMENT_FSYNC)) {
            for (int i = 0; i < 50; i++) {
                refs.add(wal.logEntry("k", null, TestPayloads.content(i, 200)));
            }
            WalCopies.copy(dir, crashImage);
        }
        Path copied = SegmentFiles.segmentOf(crashImage, refs.get(0));
        long imageSize = Files.size(copied);
        assertThat(verify(crashImage)).as(out.toString()).isZero();
        assertThat(out.toString()).contains("no problems");

        try (Wal wal = Wal.open(crashImage, PER_SEGMENT_FSYNC)) {
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isZero();
            long dataEnd = wal.keyInfo("k").orElseThrow().bytes();
            assertThat(imageSize).as("the image held zeros after the data").isGreaterThan(dataEnd);
            assertThat(Files.size(copied)).as("opening cut them").isEqualTo(dataEnd);
            for (int i = 0; i < refs.size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(refs.get(i)))).isEqualTo(i);
            }
            EntryRef next = wal.logEntry("k", null, TestPayloads.content(50, 200));
            assertThat(next.offset()).isEqualTo(dataEnd);
        }
        try (Wal wal = Wal.open(crashImage, PER_SEGMENT_FSYNC)) {
            assertThat(wal.enumerateRecords("k").count()).isEqualTo(51);
        }
    }

    @Test
    void rotationSealsAtTheEndOfTheDataSoOpeningTrustsTheSeal() throws IOException {
        WalOptions options = WalOptions.builder().maxSegmentSize(WalOptions.MIN_SEGMENT_SIZE).build();
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, options)) {
            for (int i = 0; i < 120; i++) {
                refs.add(wal.logEntry("k", null, TestPayloads.content(i, 300)));
            }
            List<Path> segments = SegmentFiles.segments(dir);
            assertThat(segments).hasSizeGreaterThan(5);
            for (Path sealed : segments.subList(0, segments.size() - 1)) {
                assertThat(Files.size(sealed)).as("%s", sealed).isLessThanOrEqualTo(WalOptions.MIN_SEGMENT_SIZE);
                assertThat(lastFrameMagic(sealed)).as("%s ends with its seal", sealed).isEqualTo("NANOSL");
            }
        }
        try (Wal wal = Wal.open(dir, options)) {
            for (int i = 0; i < refs.size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(refs.get(i)))).isEqualTo(i);
            }
        }
    }

    /** A crash between writing a seal and the truncation reaching the disk leaves zeros after the seal. */
    @Test
    void zerosAfterASealAreCutOnOpen() throws IOException {
        WalOptions options = WalOptions.builder().maxSegmentSize(WalOptions.MIN_SEGMENT_SIZE).build();
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir, options)) {
            for (int i = 0; i < 30; i++) {
                refs.add(wal.logEntry("k", null, TestPayloads.content(i, 300)));
            }
        }
        Path sealed = SegmentFiles.segmentOf(dir, refs.get(0));
        long size = Files.size(sealed);
        SegmentFiles.append(sealed, new byte[64 * 1024]);
        assertThat(verify(dir)).as(out.toString()).isZero();

        try (Wal wal = Wal.open(dir, options)) {
            assertThat(Files.size(sealed)).isEqualTo(size);
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isZero();
            for (int i = 0; i < refs.size(); i++) {
                assertThat(TestPayloads.checkedId(wal.readEntryAt(refs.get(i)))).isEqualTo(i);
            }
        }
    }

    @Test
    void bufferedAppendsAndSyncDoNotPreallocate() throws IOException {
        try (Wal wal = Wal.open(dir)) {
            for (int i = 0; i < 20; i++) {
                wal.appendEntry("k", null, TestPayloads.content(i, 100), false);
            }
            wal.sync();
            assertThat(Files.size(SegmentFiles.segments(dir).get(0))).isEqualTo(wal.keyInfo("k").orElseThrow().bytes());
        }
    }

    private int verify(Path wal) {
        out.reset();
        return WalCli.run(new String[] {"verify", wal.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    private static String lastFrameMagic(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(Frames.MAGIC_SIZE);
            channel.read(magic, channel.size() - Frames.SEAL_SIZE);
            return new String(magic.array(), StandardCharsets.US_ASCII);
        }
    }
}
