package dev.nanowal.cli;

import dev.nanowal.CursorInfo;
import dev.nanowal.KeyInfo;
import dev.nanowal.Wal;
import dev.nanowal.internal.engine.WalFiles;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.format.SegmentListing;
import dev.nanowal.internal.format.SegmentScan;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code stats <dir>}: keys, segment files, bytes, entries, each key's oldest and newest entry, and the cursors. */
final class StatsCommand {

    static final String HELP = """
            Usage: stats <dir>
            Prints the WAL's keys, segment files, bytes, entries, and the oldest and newest entry of each key,
            then the commit journal's files: live ones (what the next open replays) and spares, then each
            cursor's committed position and the entries after it.
            Reads only. While an application has the directory open, it shows what that application has handed
            to the operating system (its segment files and the commit journal), not its write buffers, and the
            cursors it committed (their files), without the time of each commit.
            """;

    private StatsCommand() {
    }

    /** @param live whether a writer holds the directory: then the keys are read as {@code Wal.openReadOnly} reads them */
    static int run(WalFiles files, Path dir, boolean live, PrintStream out) throws IOException {
        if (live) {
            return runLive(files, dir, out);
        }
        SegmentListing listing = files.listing();
        ByteBuffer window = ByteBuffer.allocate(RecordCursor.READ_AHEAD);
        long segments = 0;
        long bytes = 0;
        List<String> lines = new ArrayList<>();
        TreeMap<String, String> byName = new TreeMap<>();
        Map<Path, Long> records = new HashMap<>();
        for (Map.Entry<Long, TreeMap<Long, Path>> key : listing.byKey().entrySet()) {
            String name = null;
            long entries = 0;
            long keyBytes = 0;
            long oldest = Long.MAX_VALUE;
            long newest = Long.MIN_VALUE;
            for (Map.Entry<Long, Path> file : key.getValue().entrySet()) {
                try (FileChannel channel = files.open(file.getValue())) {
                    segments++;
                    long size = channel.size();
                    keyBytes += size;
                    SegmentHeader header = SegmentHeader.read(channel, file.getValue(), key.getKey(), file.getKey());
                    name = header.key();
                    SegmentScan.Verdict verdict = SegmentScan.scan(channel, header, size, window);
                    records.put(file.getValue(), verdict.records());
                    if (verdict.records() > 0) {
                        entries += verdict.records();
                        oldest = Math.min(oldest, verdict.oldest());
                        newest = Math.max(newest, verdict.newest());
                    }
                } catch (NoSuchFileException compacted) {
                    // by a writer that opened the directory since stats began: its entries expired
                    continue;
                } catch (FormatException e) {
                    lines.add("  (unreadable segment " + file.getValue().getFileName() + ": " + e.getMessage() + ")");
                }
            }
            bytes += keyBytes;
            String label = name == null ? "<unknown key, hash " + WalCli.hex(key.getKey()) + ">" : name;
            byName.put(label, keyLine(label, key.getValue().size(), entries, keyBytes,
                    entries == 0 ? null : Instant.ofEpochMilli(oldest), entries == 0 ? null : Instant.ofEpochMilli(newest)));
        }
        totals(dir, listing.byKey().size(), segments, bytes, out);
        byName.values().forEach(out::println);
        lines.forEach(out::println);
        journals(files, dir, false, out);
        CursorSummary.lines(files, dir, listing.byKey(), records).forEach(out::println);
        return WalCli.OK;
    }

    private static int runLive(WalFiles files, Path dir, PrintStream out) throws IOException {
        List<KeyInfo> keys;
        List<CursorInfo> cursors;
        try (Wal view = Wal.openReadOnly(dir)) {
            keys = view.keyInfos();
            cursors = view.cursors();
        }
        totals(dir, keys.size(), keys.stream().mapToLong(KeyInfo::segments).sum(),
                keys.stream().mapToLong(KeyInfo::bytes).sum(), out);
        out.println("live: the directory is open by a writer; this is what it has handed to the operating system "
                + "(bytes: up to each key's last valid record)");
        for (KeyInfo key : keys) {
            out.println(keyLine(key.key(), key.segments(), key.entries(), key.bytes(), key.oldestEntry(),
                    key.newestEntry()));
        }
        journals(files, dir, true, out);
        cursors.forEach(cursor -> out.println(CursorSummary.line(cursor)));
        return WalCli.OK;
    }

    private static void totals(Path dir, long keys, long segments, long bytes, PrintStream out) {
        out.println("directory: " + dir);
        out.println("keys: " + keys);
        out.println("segments: " + segments);
        out.println("bytes: " + bytes);
    }

    private static String keyLine(String key, long segments, long entries, long bytes, Instant oldest, Instant newest) {
        return "key " + Json.quote(key) + ": segments=" + segments + " entries=" + entries + " bytes=" + bytes
                + " oldest=" + (oldest == null ? "-" : oldest) + " newest=" + (newest == null ? "-" : newest);
    }

    private static void journals(WalFiles files, Path dir, boolean live, PrintStream out) throws IOException {
        for (JournalSummary.File journal : JournalSummary.of(files, dir)) {
            out.println(journal.describe(live));
        }
    }
}
