package dev.nanowal;

import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.io.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTest {

    @TempDir
    Path root;

    @Test
    void aSecondOpenInTheSameJvmFailsUntilTheFirstCloses() {
        Path dir = root.resolve("wal");
        try (Wal wal = Wal.open(dir)) {
            assertThatThrownBy(() -> Wal.open(dir)).isInstanceOf(WalLockedException.class)
                    .hasMessageContaining("already open in this JVM");
            assertThatThrownBy(() -> Wal.open(root.resolve("wal/../wal"))).isInstanceOf(WalLockedException.class);
            wal.logEntry("k", null, bytes("v"));
        }
        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.enumerateKeys()).containsExactly("k");
        }
    }

    @Test
    void anOpenFromAnotherProcessFails() throws Exception {
        Path dir = root.resolve("shared");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), dir.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("OPEN");
            assertThatThrownBy(() -> Wal.open(dir)).isInstanceOf(WalLockedException.class)
                    .hasMessageContaining("in use by another process");
            child.getOutputStream().close();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).isZero();
        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.enumerateKeys()).containsExactly("held");
        }
    }

    /**
     * The read-only tools take the lock for an instant to learn whether a writer holds it: an application opening
     * the WAL meanwhile waits that instant out instead of failing. A child JVM probes as {@code stats} does, in a
     * loop, while this one opens and closes the WAL again and again.
     */
    @Test
    void anOpenWaitsOutAToolsInstantOfTheLock() throws Exception {
        Path dir = root.resolve("probed");
        Wal.open(dir).close();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockProber.class.getName(), dir.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("PROBING");
            for (int i = 0; i < 200; i++) {
                try (Wal wal = Wal.open(dir)) {
                    wal.appendEntry("k", null, bytes("v" + i), false);
                }
            }
            child.getOutputStream().close();
            String[] probes = out.readLine().split(" ");
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            System.out.printf("[DirectoryTest] 200 opens beside a prober: %s probes took the lock, %s found it held%n",
                    probes[0], probes[1]);
            assertThat(Long.parseLong(probes[0])).as("probes that took the lock while the opens ran").isPositive();
            assertThat(Long.parseLong(probes[1])).as("probes that found a WAL open").isPositive();
        } finally {
            child.destroyForcibly();
        }
        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.keyInfo("k").orElseThrow().entries()).isEqualTo(200);
        }
    }

    @Test
    void aRegularFileIsNotAWalDirectory() throws IOException {
        Path file = Files.writeString(root.resolve("plain.txt"), "not a wal");
        assertThatThrownBy(() -> Wal.open(file)).isInstanceOf(WalException.class)
                .hasMessageContaining("is not a directory");
        assertThat(Files.readString(file)).isEqualTo("not a wal");
    }

    @Test
    void shutdownDeletesOnlyTheWalsOwnFiles() throws IOException {
        Path dir = root.resolve("mixed");
        Files.createDirectories(dir);
        Path foreign = Files.writeString(dir.resolve("notes.log"), "someone else's");
        Path lookalike = Files.writeString(dir.resolve("readme-1-2.log"), "not ours either");
        Wal wal = Wal.open(dir);
        wal.logEntry("k1", null, bytes("v"));
        wal.appendEntry("k2", null, bytes("v"), false);

        wal.shutdown();

        assertThat(wal.isOpen()).isFalse();
        try (var left = Files.list(dir)) {
            assertThat(left).containsExactlyInAnyOrder(foreign, lookalike);
        }
    }

    @Test
    void shutdownRemovesTheDirectoryWhenNothingElseIsInIt() {
        Path dir = root.resolve("alone");
        Wal wal = Wal.open(dir);
        wal.logEntry("k", null, bytes("v"));
        wal.shutdown();
        assertThat(dir).doesNotExist();
        assertThat(root).exists();
    }

    @Test
    void closeKeepsTheDataAndLeftoverTemporaryFilesAreRemovedOnOpen() throws IOException {
        Path dir = root.resolve("keep");
        try (Wal wal = Wal.open(dir)) {
            wal.appendEntry("k", null, bytes("v"), false);
        }
        Path leftover = Files.write(dir.resolve(SegmentNames.fileName("k", 1, 99) + ".tmp"), new byte[10]);
        try (Wal wal = Wal.open(dir)) {
            assertThat(RotationAndRetentionTest.contents(wal, "k")).containsExactly("v");
        }
        assertThat(leftover).doesNotExist();
    }

    @Test
    void aNewDirectoryAndEachNewAncestorAreMadeDurableInTheirParentsBeforeOpenReturns() {
        Path dir = root.resolve("a/b/wal");
        List<String> calls = new ArrayList<>();
        Storage recording = new Storage() {
            @Override
            public void createDirectory(Path path) throws IOException {
                calls.add("create " + root.relativize(path));
                super.createDirectory(path);
            }

            @Override
            public void fsyncDirectory(Path directory) throws IOException {
                calls.add("fsync " + (directory.equals(root) ? "." : root.relativize(directory)));
                super.fsyncDirectory(directory);
            }
        };
        try (Wal wal = Wal.open(dir, WalOptions.defaults(), recording)) {
            // the last: the extents file (nothing durable yet) written into the new directory
            assertThat(calls).containsExactly("create a", "fsync .", "create a/b", "fsync a", "create a/b/wal",
                    "fsync a/b", "fsync a/b/wal");
            wal.appendEntry("k", null, bytes("v"), true);
        }
        calls.clear();
        try (Wal wal = Wal.open(dir, WalOptions.defaults(), recording)) {
            assertThat(calls).noneMatch(call -> call.startsWith("create"));
        }
    }

    @Test
    void aNewDirectoryWhoseParentCannotBeFsyncedIsNotOpened() {
        FaultyStorage failing = new FaultyStorage().fail(FaultyStorage.Fault.EIO, FaultyStorage.Op.FSYNC_DIRECTORY);
        assertThatThrownBy(() -> Wal.open(root.resolve("new"), WalOptions.defaults(), failing))
                .isInstanceOf(WalIOException.class).hasMessageContaining("Cannot open a WAL at");
    }
}
