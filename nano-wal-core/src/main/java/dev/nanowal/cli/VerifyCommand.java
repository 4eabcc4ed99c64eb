package dev.nanowal.cli;

import dev.nanowal.WalException;
import dev.nanowal.internal.engine.WalFiles;
import dev.nanowal.internal.format.DurableExtentsFile;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.format.SegmentScan;
import dev.nanowal.internal.format.SequenceFloor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code verify <dir>}: every segment header, record frame, checksum and seal, and the meta file. A segment's
 * end is judged by the same {@link SegmentScan} that recovery acts on, so what verify calls a torn tail is
 * what opening cuts.
 */
final class VerifyCommand {

    static final String HELP = """
            Usage: verify <dir>
            Checks every segment file without opening the WAL for writing: header, every record's frame and
            CRC32C, seals, the meta and extents files, then every commit journal record's CRC32C; reports a
            directory that an unfinished backup left (nanowal.backup-incomplete). Prints one line per problem,
            naming the key and saying what opening does about it (cuts an unsynced tail, or quarantines a
            damaged segment):
              PROBLEM <file> offset <n>: key '<key>': <what>
            then a summary. Exit 0 when clean, 1 when problems were found.
            While an application has the directory open (it holds the lock), each key's newest segment may be
            growing: verify prints it as
              LIVE <file> offset <n>: ...
            (its records are checked up to offset n; what follows may be a record being written) instead of
            reporting its tail as a problem. After a writer stopped uncleanly (killed, or a power loss), a
            damaged or torn tail past the bytes the extents file says were made durable holds no entry that was
            acknowledged durable: verify prints it as
              UNSYNCED <file> offset <n>: key '<key>': <what>
            (opening cuts it), which is no problem.
            """;

    /**
     * What a verification found: the problem lines, the notes (the live tails when a writer holds the directory,
     * the unsynced tails a crash left past the bytes made durable), what it checked.
     */
    record Report(List<String> problems, List<String> notes, int segments, long records, int seals) {
    }

    private VerifyCommand() {
    }

    /** @param live whether a writer holds the directory: each key's newest segment's tail is then not judged */
    static int run(WalFiles files, Path dir, boolean live, PrintStream out) throws IOException {
        Report report = check(files, dir, live);
        List<String> problems = report.problems();
        problems.forEach(out::println);
        report.notes().forEach(out::println);
        long pending = 0;
        for (JournalSummary.File journal : JournalSummary.of(files, dir)) {
            out.println(journal.describe(live));
            pending += journal.records();
        }
        if (live && pending > 0) {
            out.println("NOTE: the journal holds " + pending + " ranges the writer committed; its next checkpoint has "
                    + "them in their segments, and they are checked there");
        } else if (pending > 0) {
            out.println("NOTE: the live journal holds " + pending + " ranges that the next open writes into their "
                    + "segments before it scans them: a segment problem within them is repaired by that replay");
        }
        out.println("verified " + report.segments() + " segment files, " + report.records() + " records, "
                + report.seals() + " seals: " + (problems.isEmpty() ? "no problems"
                        : problems.size() + " problem" + (problems.size() == 1 ? "" : "s")));
        return problems.isEmpty() ? WalCli.OK : WalCli.PROBLEMS;
    }

    /** Checks every file of the directory, which no writer holds. */
    static Report check(WalFiles files, Path dir) throws IOException {
        return check(files, dir, false);
    }

    private static Report check(WalFiles files, Path dir, boolean live) throws IOException {
        List<String> problems = new ArrayList<>();
        List<String> tails = new ArrayList<>();
        if (files.isIncompleteBackup()) {
            problems.add("PROBLEM " + dir.resolve(SegmentNames.BACKUP_INCOMPLETE) + " offset 0: an incomplete backup: "
                    + "the backup that wrote this directory did not finish, so segments may be missing; a WAL does "
                    + "not open it. Delete it and take the backup again");
        }
        try {
            files.checkMetaFile();
        } catch (WalException e) {
            problems.add("PROBLEM " + dir.resolve(SequenceFloor.FILE_NAME) + " offset 0: " + e.getMessage());
        }
        Map<DurableExtentsFile.SegmentId, Long> extents = null;
        try {
            extents = files.durableExtents();
        } catch (WalException e) {
            problems.add("PROBLEM " + dir.resolve(DurableExtentsFile.FILE_NAME) + " offset 0: " + e.getMessage()
                    + " (opening then counts every segment as durable to its end)");
        }
        int segments = 0;
        long records = 0;
        int seals = 0;
        ByteBuffer window = ByteBuffer.allocate(RecordCursor.READ_AHEAD);
        var listing = files.listing();
        for (Map.Entry<Long, TreeMap<Long, Path>> key : listing.byKey().entrySet()) {
            for (Map.Entry<Long, Path> file : key.getValue().entrySet()) {
                boolean growing = live && file.getKey().equals(key.getValue().lastKey());
                long promised = extents == null ? Long.MAX_VALUE
                        : extents.getOrDefault(new DurableExtentsFile.SegmentId(key.getKey(), file.getKey()), 0L);
                SegmentScan.Verdict verdict;
                try {
                    verdict = checkSegment(files, file.getValue(), key.getKey(), file.getKey(), promised, window,
                            problems, tails, growing);
                } catch (NoSuchFileException compacted) {
                    continue;
                }
                segments++;
                if (verdict != null) {
                    records += verdict.records();
                    seals += verdict.ending() == SegmentScan.Ending.SEALED ? 1 : 0;
                }
            }
        }
        for (Path temporary : listing.temporaries()) {
            if (live) {
                tails.add("LIVE " + temporary + " offset 0: a segment the writer is creating");
            } else {
                problems.add("PROBLEM " + temporary + " offset 0: an unfinished segment creation (open or repair "
                        + "deletes it)");
            }
        }
        return new Report(problems, tails, segments, records, seals);
    }

    /**
     * Adds the segment's problems, judged as opening judges them: damage inside the bytes promised durable
     * ({@code promised}, {@code Long.MAX_VALUE} when unknown) quarantines the segment, damage past them is an
     * unsynced tail that opening cuts. Returns the scan, or null when the header is unreadable.
     *
     * @param notes where a live key's newest segment's unsealed tail is described (a LIVE line), and an unsynced
     *     tail past the promised bytes (an UNSYNCED line: a crash caught appends before their fsync, no entry made
     *     durable is in it, so it is no problem)
     * @param growing whether this is a live key's newest segment
     */
    private static SegmentScan.Verdict checkSegment(WalFiles files, Path path, long hash, long sequence,
            long promised, ByteBuffer window, List<String> problems, List<String> notes, boolean growing)
            throws IOException {
        try (FileChannel channel = files.open(path)) {
            SegmentHeader header;
            try {
                header = SegmentHeader.read(channel, path, hash, sequence);
            } catch (FormatException e) {
                problems.add("PROBLEM " + path + " offset 0: " + e.getMessage() + "; a damaged segment header: "
                        + "opening quarantines this segment (readable when another segment names its key)");
                return null;
            }
            SegmentScan.Verdict verdict = SegmentScan.scan(channel, header, channel.size(), window);
            long at = verdict.validEnd();
            if (growing && verdict.ending() != SegmentScan.Ending.SEALED) {
                notes.add("LIVE " + path + " offset " + at + ": the writer holds the directory and may be appending "
                        + "here; records checked up to this offset" + (verdict.bytesAfter() > 0 ? ", the "
                        + verdict.bytesAfter() + " bytes after it not checked (a record being written, or zeros)" : ""));
                return verdict;
            }
            String where = "PROBLEM " + path + " offset " + at + ": key '" + header.key() + "': ";
            boolean unknown = promised == Long.MAX_VALUE;
            String unsynced = "UNSYNCED " + path + " offset " + at + ": key '" + header.key() + "': ";
            String quarantined = "; damage inside bytes made durable: opening quarantines this segment (its intact "
                    + "records stay readable, its key continues in a new segment; repair cuts " + verdict.bytesAfter()
                    + " bytes, keeping them in a .broken file)";
            switch (verdict.ending()) {
                case SEALED -> {
                    if (!verdict.zerosAfter()) {
                        problems.add(where + verdict.bytesAfter() + " bytes after the seal");
                    } else if (verdict.sealEntries() != verdict.records()) {
                        problems.add("PROBLEM " + path + " offset " + (at - Frames.SEAL_SIZE) + ": key '" + header.key()
                                + "': the seal counts " + verdict.sealEntries() + " records, the segment holds "
                                + verdict.records());
                    }
                }
                case TORN_TAIL -> {
                    if (unknown) {
                        problems.add(where + verdict.problem() + "; a torn tail of " + verdict.bytesAfter()
                                + " bytes (opening or repair cuts it)");
                    } else if (at < promised) {
                        problems.add(where + verdict.problem() + quarantined);
                    } else {
                        notes.add(unsynced + verdict.problem() + "; a torn tail of " + verdict.bytesAfter() + " bytes "
                                + "past the " + promised + " bytes made durable: appends the writer's stop caught "
                                + "before any fsync (opening cuts it)");
                    }
                }
                case CORRUPT_MIDDLE -> {
                    if (unknown || at < promised) {
                        problems.add(where + verdict.problem() + "; valid records follow: corruption in the middle"
                                + quarantined);
                    } else {
                        notes.add(unsynced + verdict.problem() + "; valid records follow, but the segment was durable "
                                + "up to offset " + promised + " only: an unsynced tail of " + verdict.bytesAfter()
                                + " bytes (opening cuts it)");
                    }
                }
                case CLEAN -> {
                    if (!unknown && at < promised) {
                        problems.add(where + "bytes up to offset " + promised + " were made durable, but the "
                                + "segment's frames end here" + quarantined);
                    }
                }
            }
            return verdict;
        }
    }
}
