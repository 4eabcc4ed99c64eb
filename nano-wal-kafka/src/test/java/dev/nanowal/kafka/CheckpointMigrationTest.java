package dev.nanowal.kafka;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** The checkpoint file of a relay before cursors is moved onto cursors once, and a damaged one stops the relay. */
class CheckpointMigrationTest {

    private static final String CURSOR = KafkaRelayOptions.DEFAULT_CURSOR_NAME;

    @TempDir
    Path directory;

    @Test
    void commitsEachCheckpointToItsKeysCursorOnceAndDeletesTheFile() throws IOException {
        Path file = directory.resolve(KafkaRelayOptions.DEFAULT_CHECKPOINT_FILE_NAME);
        EntryRef a1;
        try (Wal wal = Wal.open(directory)) {
            a1 = wal.logEntry("ünïcødé key/..", null, new byte[] { 1 });
            wal.logEntry("ünïcødé key/..", null, new byte[] { 2 });
            EntryRef b1 = wal.logEntry("orders-1", null, new byte[] { 1 });
            EntryRef b2 = wal.logEntry("orders-1", null, new byte[] { 2 });
            EntryRef c1 = wal.logEntry("orders-2", null, new byte[] { 1 });
            EntryRef c2 = wal.logEntry("orders-2", null, new byte[] { 2 });
            // a cursor that moved on already keeps its position
            wal.cursor(CURSOR, "orders-2").commit(c2);
            Map<String, EntryRef> checkpoints = new LinkedHashMap<>();
            checkpoints.put("ünïcødé key/..", a1);
            checkpoints.put("orders-1", b1);
            checkpoints.put("orders-2", c1);
            writeVersion1(file, checkpoints);

            assertThat(CheckpointMigration.migrate(wal, CURSOR, file)).isEqualTo(2);
            assertThat(file).doesNotExist();
            assertThat(wal.cursor(CURSOR, "ünïcødé key/..").position()).contains(a1);
            assertThat(wal.cursor(CURSOR, "orders-1").position()).contains(b1);
            assertThat(wal.cursor(CURSOR, "orders-2").position()).contains(c2);

            wal.cursor(CURSOR, "orders-1").commit(b2);
            assertThat(CheckpointMigration.migrate(wal, CURSOR, file)).isZero();
            assertThat(wal.cursor(CURSOR, "orders-1").position()).contains(b2);
        }
        try (Wal reopened = Wal.open(directory)) {
            assertThat(reopened.cursor(CURSOR, "ünïcødé key/..").position()).contains(a1);
        }
    }

    @Test
    void aDamagedFileFailsLoudlyNamingItselfAndCommitsNothing() throws IOException {
        Path file = directory.resolve("relay.checkpoints");
        try (Wal wal = Wal.open(directory)) {
            EntryRef ref = wal.logEntry("orders-0", null, new byte[] { 1 });
            writeVersion1(file, Map.of("orders-0", ref));
            byte[] bytes = Files.readAllBytes(file);
            bytes[14] ^= 1;
            Files.write(file, bytes);
            assertThatIllegalStateException().isThrownBy(() -> CheckpointMigration.migrate(wal, CURSOR, file))
                .withMessageContaining(file.toAbsolutePath().toString())
                .withMessageContaining("checksum")
                .withMessageContaining("Delete it to resend every retained entry");
            assertThat(wal.cursor(CURSOR, "orders-0").position()).isEqualTo(Optional.empty());
            assertThat(file).exists();
        }
    }

    /** Writes the checkpoint file as relays before cursors did (format in {@link CheckpointMigration}). */
    static void writeVersion1(Path file, Map<String, EntryRef> checkpoints) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buffer);
        out.writeInt(0x4e574b43);
        out.writeInt(1);
        out.writeInt(checkpoints.size());
        for (Map.Entry<String, EntryRef> entry : checkpoints.entrySet()) {
            out.writeUTF(entry.getKey());
            out.writeLong(entry.getValue().keyHash());
            out.writeLong(entry.getValue().sequenceNumber());
            out.writeLong(entry.getValue().offset());
        }
        CRC32C crc = new CRC32C();
        crc.update(buffer.toByteArray());
        out.writeInt((int) crc.getValue());
        Files.write(file, buffer.toByteArray());
    }
}
