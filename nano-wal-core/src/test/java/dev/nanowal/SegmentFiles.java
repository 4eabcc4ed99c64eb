package dev.nanowal;

import dev.nanowal.internal.format.SegmentNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/** Finds and damages segment files on disk, the way crashes and bad disks do. */
final class SegmentFiles {

    private SegmentFiles() {
    }

    /** The segment files in the directory, oldest sequence first. */
    static java.util.List<Path> segments(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> SegmentNames.parse(f.getFileName().toString()) != null)
                    .sorted((a, b) -> Long.compare(SegmentNames.parse(a.getFileName().toString()).sequence(),
                            SegmentNames.parse(b.getFileName().toString()).sequence()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long sequenceOf(Path segment) {
        return SegmentNames.parse(segment.getFileName().toString()).sequence();
    }

    static Path segmentOf(Path dir, EntryRef ref) {
        return segments(dir).stream()
                .filter(f -> SegmentNames.parse(f.getFileName().toString()).sequence() == ref.sequenceNumber())
                .findFirst().orElseThrow();
    }

    static void flipBit(Path file, long offset, int bit) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ (1 << bit))).rewind();
            channel.write(one, offset);
        }
    }

    static void write(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }
}
