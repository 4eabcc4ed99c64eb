package dev.nanowal.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.nanowal.EntryRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class CheckpointsTest {

    @TempDir
    Path directory;

    @Test
    void storesAndLoadsEveryKeysCheckpoint() throws IOException {
        Checkpoints checkpoints = new Checkpoints(directory.resolve("relay.checkpoints"));
        assertThat(checkpoints.load()).isEmpty();
        Map<String, EntryRef> stored = Map.of("orders-0", new EntryRef(EntryRef.hashOf("orders-0"), 3, 4096),
                "ünïcødé key/..", new EntryRef(EntryRef.hashOf("ünïcødé key/.."), 7, Long.MAX_VALUE - 8));
        checkpoints.store(stored);
        checkpoints.store(stored); // replaces the file whole
        assertThat(checkpoints.load()).isEqualTo(stored);
        try (var files = Files.list(directory)) {
            assertThat(files).containsExactly(directory.resolve("relay.checkpoints").toAbsolutePath());
        }
    }

    @Test
    void aDamagedFileFailsLoudlyNamingItself() throws IOException {
        Path file = directory.resolve("relay.checkpoints");
        Checkpoints checkpoints = new Checkpoints(file);
        checkpoints.store(Map.of("orders-0", new EntryRef(1, 2, 3)));
        byte[] bytes = Files.readAllBytes(file);
        bytes[14] ^= 1;
        Files.write(file, bytes);
        assertThatIllegalStateException().isThrownBy(checkpoints::load)
            .withMessageContaining(file.toAbsolutePath().toString())
            .withMessageContaining("checksum")
            .withMessageContaining("Delete it to resend every retained entry");
    }
}
