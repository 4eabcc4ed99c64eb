package dev.nanowal.cli;

import dev.nanowal.internal.engine.WalFiles;
import dev.nanowal.internal.format.JournalFormat;
import dev.nanowal.internal.format.JournalReader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The commit journal files of a directory as {@code stats} and {@code verify} show them: per file its generation
 * (or "spare": retired, replays nothing), and for a live one the records a next open would replay and how its
 * records end. Read with the same {@link JournalReader} that replay uses.
 */
final class JournalSummary {

    /** One journal file; {@code generation} is -1 for a spare. */
    record File(String name, long generation, long records, long bytes, JournalReader.End end) {

        boolean live() {
            return generation > 0;
        }

        /** @param writing whether a writer holds the directory, so that a record cut short may be its commit in progress */
        String describe(boolean writing) {
            if (!live()) {
                return "journal " + name + ": spare (retired, replays nothing)";
            }
            String cut = writing ? "then a record not complete yet at offset " + end.offset() + " (a commit in progress, "
                    + "or one a crash cut short)" : "then a record cut short by a crash at offset " + end.offset()
                    + " (never acknowledged; ignored)";
            return "journal " + name + ": generation " + generation + ", " + records + " ranges (" + bytes
                    + " bytes) that opening replays into their segments, "
                    + (end.damaged() ? cut : "ending cleanly at offset " + end.offset());
        }
    }

    /** One record of a live file, at {@code at} in it; its CRC matched (a record that does not ends the file). */
    @FunctionalInterface
    interface RecordListener {
        void record(String file, long generation, long at, long keyHash, long sequence, long offset, int entries,
                int length);
    }

    private JournalSummary() {
    }

    static List<File> of(WalFiles files, Path dir) throws IOException {
        return of(files, dir, (file, generation, at, keyHash, sequence, offset, entries, length) -> { });
    }

    /** The files as {@link #of(WalFiles, Path)} describes them, with each valid record handed to {@code listener}. */
    static List<File> of(WalFiles files, Path dir, RecordListener listener) throws IOException {
        List<File> journals = new ArrayList<>();
        for (String name : WalFiles.names(dir)) {
            if (JournalFormat.slotOf(name) < 0) {
                continue;
            }
            try (FileChannel channel = files.open(dir.resolve(name))) {
                long generation = JournalReader.generation(channel);
                if (generation <= 0) {
                    journals.add(new File(name, -1, 0, 0, null));
                    continue;
                }
                long[] counts = new long[2];
                long[] at = {JournalFormat.FILE_HEADER_SIZE};
                JournalReader.End end = JournalReader.read(channel, generation, (keyHash, sequence, offset, entries,
                        data) -> {
                    listener.record(name, generation, at[0], keyHash, sequence, offset, entries, data.remaining());
                    counts[0]++;
                    counts[1] += data.remaining();
                    at[0] += JournalFormat.recordSize(data.remaining());
                });
                journals.add(new File(name, generation, counts[0], counts[1], end));
            }
        }
        return journals;
    }
}
