package dev.nanowal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** The {@code nanowal.meta} file: the lowest sequence number the WAL may still allocate (FORMAT.md). */
final class SequenceFloor {

    static final String FILE_NAME = "nanowal.meta";
    private static final byte[] MAGIC = "NANO-MET".getBytes(StandardCharsets.US_ASCII);
    private static final int SIZE = 24;
    private static final int CRC_AT = 12;

    private SequenceFloor() {
    }

    /** The saved floor, or 1 when the file does not exist. */
    static long read(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return 1;
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer in = ByteBuffer.wrap(bytes);
            if (bytes.length != SIZE || !Frames.hasMagic(in, 0, MAGIC) || in.getInt(8) != 1 || crc(in) != in.getInt(CRC_AT)) {
                throw new WalCorruptionException("The meta file " + file + " is damaged (expected " + SIZE
                        + " bytes starting with NANO-MET, version 1, with a matching CRC32C)");
            }
            return in.getLong(16);
        } catch (IOException e) {
            throw new WalIOException("Could not read " + file, e);
        }
    }

    static void write(Path directory, Storage storage, long floor) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(SIZE);
        out.put(MAGIC).putInt(1).putInt(0).putLong(floor);
        out.putInt(CRC_AT, crc(out));
        out.clear();
        Path temp = directory.resolve(FILE_NAME + SegmentNames.TEMP_SUFFIX);
        storage.delete(temp);
        try (FileChannel channel = storage.createNew(temp)) {
            while (out.hasRemaining()) {
                channel.write(out, out.position());
            }
            channel.force(true);
        }
        storage.moveAtomically(temp, directory.resolve(FILE_NAME));
        storage.fsyncDirectory(directory);
    }

    private static int crc(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        Frames.updateRange(crc, bytes, 0, CRC_AT);
        Frames.updateRange(crc, bytes, CRC_AT + 4, SIZE);
        return (int) crc.getValue();
    }
}
