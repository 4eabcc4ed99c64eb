package dev.nanowal.kafka;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalCursor;
import dev.nanowal.WalEntryNotFoundException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the checkpoint file of a relay before core cursors onto the cursors, once: each checkpoint is committed
 * to the key's cursor unless that cursor has a position already (a newer one), then the file is deleted. The
 * file, read only here:
 *
 * <pre>
 * int magic "NWKC", int version 1, int count,
 * count x { UTF key (DataOutput.writeUTF), long keyHash, long sequenceNumber, long offset },
 * int CRC32C of every byte before it
 * </pre>
 *
 * A crash before the delete only repeats the migration, which then finds the cursors set and changes nothing.
 */
final class CheckpointMigration {

    private static final Logger log = LoggerFactory.getLogger(KafkaRelay.class);

    private static final int MAGIC = 0x4e574b43;

    private static final int VERSION = 1;

    private CheckpointMigration() {
    }

    /**
     * Migrates {@code file} when it exists.
     *
     * @return how many checkpoints it committed
     * @throws IllegalStateException when the file is damaged (nothing is committed; the message says what to do)
     */
    static int migrate(Wal wal, String cursorName, Path file) {
        Map<String, EntryRef> checkpoints;
        try {
            checkpoints = read(file.toAbsolutePath(), Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the relay checkpoint file " + file, e);
        }
        int committed = 0;
        for (Map.Entry<String, EntryRef> checkpoint : checkpoints.entrySet()) {
            WalCursor cursor = wal.cursor(cursorName, checkpoint.getKey());
            if (cursor.position().isPresent()) {
                continue;
            }
            try {
                cursor.commit(checkpoint.getValue());
                committed++;
            } catch (WalEntryNotFoundException e) {
                // Compaction deleted the checkpoint's segment: every entry the key still holds is newer.
                log.info("The checkpoint {} of key '{}' was compacted away; the key is forwarded from its oldest "
                        + "entry", checkpoint.getValue(), checkpoint.getKey());
            }
        }
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Moved the relay checkpoints of " + file + " onto cursors '" + cursorName
                    + "' but could not delete the file", e);
        }
        log.info("Moved {} relay checkpoints from {} onto cursors '{}' and deleted the file", committed, file,
                cursorName);
        return committed;
    }

    private static Map<String, EntryRef> read(Path file, byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, Math.max(0, bytes.length - Integer.BYTES));
        if (bytes.length < 4 * Integer.BYTES || ByteBuffer.wrap(bytes, bytes.length - Integer.BYTES, Integer.BYTES)
                .getInt() != (int) crc.getValue()) {
            throw damaged(file, "its checksum does not match");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw damaged(file, "it is not a version " + VERSION + " nano-wal relay checkpoint file");
            }
            int count = in.readInt();
            Map<String, EntryRef> checkpoints = new HashMap<>();
            for (int i = 0; i < count; i++) {
                checkpoints.put(in.readUTF(), new EntryRef(in.readLong(), in.readLong(), in.readLong()));
            }
            return checkpoints;
        } catch (IOException e) {
            throw damaged(file, "it ends early");
        }
    }

    private static IllegalStateException damaged(Path file, String why) {
        return new IllegalStateException("The relay checkpoint file " + file + " is damaged: " + why
                + ". Delete it to resend every retained entry (consumers drop the duplicates by their "
                + SourcePosition.REF_HEADER + " header)");
    }
}
