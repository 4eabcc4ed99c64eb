package dev.nanowal.cli;

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
            Reads only; the directory must not be open by an application.
            """;

    private StatsCommand() {
    }

    static int run(WalFiles files, Path dir, PrintStream out) throws IOException {
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
                segments++;
                try (FileChannel channel = files.open(file.getValue())) {
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
                } catch (FormatException e) {
                    lines.add("  (unreadable segment " + file.getValue().getFileName() + ": " + e.getMessage() + ")");
                }
            }
            bytes += keyBytes;
            String label = name == null ? "<unknown key, hash " + WalCli.hex(key.getKey()) + ">" : name;
            byName.put(label, "key " + Json.quote(label) + ": segments=" + key.getValue().size() + " entries="
                    + entries + " bytes=" + keyBytes + " oldest=" + (entries == 0 ? "-" : Instant.ofEpochMilli(oldest))
                    + " newest=" + (entries == 0 ? "-" : Instant.ofEpochMilli(newest)));
        }
        out.println("directory: " + dir);
        out.println("keys: " + listing.byKey().size());
        out.println("segments: " + segments);
        out.println("bytes: " + bytes);
        byName.values().forEach(out::println);
        lines.forEach(out::println);
        for (JournalSummary.File journal : JournalSummary.of(files, dir)) {
            out.println(journal.describe());
        }
        CursorSummary.lines(files, dir, listing.byKey(), records).forEach(out::println);
        return WalCli.OK;
    }
}
