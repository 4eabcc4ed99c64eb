package dev.nanowal.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.WalClosedException;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalOptions;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A segment's file: positional writes, truncation, reopening after the cap closed it, pins, deletion. */
class SegmentFileTest {

    @TempDir
    Path dir;

    private final OpenFiles openFiles = new OpenFiles(4, 0);
    private final WalContext context = new WalContext(null, WalOptions.defaults(), new Storage(), openFiles,
            new WalEvents(Clock.systemUTC(), null, null), null, null, null);

    /** The owner as the cap sees it; these tests close the file themselves. */
    private final OpenFiles.OpenFile owner = new OpenFiles.OpenFile() {
        @Override
        public long lastUsed() {
            return 0;
        }

        @Override
        public void closeIfIdle() {
        }

        @Override
        public void closeFile() {
        }
    };

    private SegmentFile file(Path path) throws IOException {
        Files.write(path, new byte[8]);
        return new SegmentFile(path, context, owner, 8, 8);
    }

    @Test
    void writesAtAPositionAndTruncates() throws IOException {
        Path path = dir.resolve("s.log");
        SegmentFile file = file(path);
        ByteBuffer a = ByteBuffer.wrap(new byte[] {1, 2, 3});
        ByteBuffer b = ByteBuffer.wrap(new byte[] {4, 5});
        assertThat(file.write(new ByteBuffer[] {a, b}, 8)).isEqualTo(13);
        assertThat(Files.readAllBytes(path)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5);
        file.truncate(10);
        assertThat(Files.size(path)).isEqualTo(10);
        assertThat(openFiles.count()).isEqualTo(1);
        file.close();
        assertThat(openFiles.count()).isZero();
    }

    @Test
    void reopensAfterTheCapClosedItAndCountsAgainstTheCap() throws IOException {
        SegmentFile file = file(dir.resolve("s.log"));
        file.channel();
        file.close();
        assertThat(file.isIdle()).isFalse();
        file.channel();
        assertThat(openFiles.count()).isEqualTo(1);
        assertThat(file.isIdle()).isTrue();
    }

    @Test
    void aPinnedFileIsNotIdle() throws IOException {
        SegmentFile file = file(dir.resolve("s.log"));
        file.pin();
        assertThat(file.isIdle()).isFalse();
        file.unpin();
        assertThat(file.isIdle()).isTrue();
    }

    @Test
    void aDeletedFileNeverOpensAgain() throws IOException {
        Path path = dir.resolve("s.log");
        SegmentFile file = file(path);
        file.channel();
        file.delete();
        assertThat(path).doesNotExist();
        assertThat(openFiles.count()).isZero();
        assertThatThrownBy(file::channel).isInstanceOf(WalEntryNotFoundException.class);
    }

    @Test
    void noFileOpensOnceTheWalIsClosed() throws IOException {
        SegmentFile file = file(dir.resolve("s.log"));
        openFiles.closeAll();
        assertThatThrownBy(file::channel).isInstanceOf(WalClosedException.class);
    }
}
