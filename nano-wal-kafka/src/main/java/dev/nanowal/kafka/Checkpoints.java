package dev.nanowal.kafka;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import dev.nanowal.EntryRef;
import dev.nanowal.internal.io.Storage;

/**
 * The relay's checkpoint file: per key, the last entry Kafka acknowledged with every earlier one.
 *
 * <pre>
 * int magic "NWKC", int version 1, int count,
 * count x { UTF key (DataOutput.writeUTF), long keyHash, long sequenceNumber, long offset },
 * int CRC32C of every byte before it
 * </pre>
 *
 * Written whole each time: to a temp file, fsynced, renamed over the old one, then the directory fsynced, so a
 * crash leaves either the old or the new file, never a torn one.
 */
final class Checkpoints {

    private static final int MAGIC = 0x4e574b43;

    private static final int VERSION = 1;

    private final Path file;
    /** The core's atomic small-file write, the same one its meta file uses. */
    private final Storage storage = new Storage();

    Checkpoints(Path file) {
        this.file = file.toAbsolutePath();
    }

    @Override
    public String toString() {
        return file.toString();
    }

    /** The stored checkpoints; empty when there is no file yet. */
    Map<String, EntryRef> load() {
        byte[] bytes;
        try {
            bytes = storage.readAll(file);
        } catch (NoSuchFileException e) {
            return new HashMap<>();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the relay checkpoint file " + file, e);
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, Math.max(0, bytes.length - Integer.BYTES));
        if (bytes.length < 4 * Integer.BYTES || ByteBuffer.wrap(bytes, bytes.length - Integer.BYTES, Integer.BYTES)
                .getInt() != (int) crc.getValue()) {
            throw damaged("its checksum does not match");
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw damaged("it is not a version " + VERSION + " nano-wal relay checkpoint file");
            }
            int count = in.readInt();
            Map<String, EntryRef> checkpoints = new HashMap<>();
            for (int i = 0; i < count; i++) {
                checkpoints.put(in.readUTF(), new EntryRef(in.readLong(), in.readLong(), in.readLong()));
            }
            return checkpoints;
        } catch (IOException e) {
            throw damaged("it ends early");
        }
    }

    void store(Map<String, EntryRef> checkpoints) {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buffer);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
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
            storage.writeAtomically(file, ByteBuffer.wrap(buffer.toByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the relay checkpoint file " + file, e);
        }
    }

    private IllegalStateException damaged(String why) {
        return new IllegalStateException("The relay checkpoint file " + file + " is damaged: " + why
                + ". Delete it to resend every retained entry (consumers drop the duplicates by their "
                + SourcePosition.REF_HEADER + " header)");
    }
}
