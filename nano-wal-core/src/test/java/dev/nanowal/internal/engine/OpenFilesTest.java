package dev.nanowal.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The open-file cap: past it, the least recently used idle files close, down to 1/8 below the cap. */
class OpenFilesTest {

    private final OpenFiles openFiles = new OpenFiles(8, 0);

    /** A file as the cap sees it; a busy one refuses to close, as a segment in use by another thread does. */
    private final class File implements OpenFiles.OpenFile {
        final long lastUsed = openFiles.tick();
        boolean busy;
        boolean open = true;

        @Override
        public long lastUsed() {
            return lastUsed;
        }

        @Override
        public void closeIfIdle() {
            if (!busy) {
                closeFile();
            }
        }

        @Override
        public void closeFile() {
            open = false;
            openFiles.closed(this);
        }
    }

    private List<File> open(int count) {
        List<File> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            File file = new File();
            files.add(file);
            openFiles.opened(file);
        }
        return files;
    }

    @Test
    void upToTheCapNothingCloses() {
        List<File> files = open(8);
        assertThat(openFiles.count()).isEqualTo(8);
        assertThat(files).allMatch(file -> file.open);
    }

    @Test
    void pastTheCapTheOldestIdleFilesCloseDownToTheLowWaterMark() {
        List<File> files = open(8);
        files.get(0).busy = true;
        File ninth = open(1).get(0);
        // 9 open, low water 7: the two oldest idle ones (1 and 2) close; the busy oldest and the new one stay
        assertThat(openFiles.count()).isEqualTo(7);
        assertThat(files.get(0).open).isTrue();
        assertThat(files.get(1).open).isFalse();
        assertThat(files.get(2).open).isFalse();
        assertThat(files.subList(3, 8)).allMatch(file -> file.open);
        assertThat(ninth.open).isTrue();
    }

    @Test
    void closeAllClosesBusyFilesToo() {
        List<File> files = open(3);
        files.get(1).busy = true;
        openFiles.closeAll();
        assertThat(openFiles.isClosed()).isTrue();
        assertThat(openFiles.count()).isZero();
        assertThat(files).noneMatch(file -> file.open);
    }

    @Test
    void buffersAreReused() {
        var buffer = openFiles.takeBuffer();
        // the buffer size and an eighth: a full buffer is written as two whole 32 KiB windows
        assertThat(buffer.capacity()).isEqualTo(64 * 1024 + 8 * 1024);
        openFiles.returnBuffer(buffer);
        assertThat(openFiles.takeBuffer()).isSameAs(buffer);
    }
}
