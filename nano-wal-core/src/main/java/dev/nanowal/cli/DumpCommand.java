package dev.nanowal.cli;

import dev.nanowal.EntryRef;
import dev.nanowal.internal.engine.WalFiles;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.io.SegmentBytes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** {@code dump <dir> <key> [--base64]}: the key's entries in append order, one JSON object per line. */
final class DumpCommand {

    static final String HELP = """
            Usage: dump <dir> <key> [--base64]
            Prints the key's entries in append order, one JSON object per line:
              {"ref":{"keyHash":"<16 hex>","sequenceNumber":n,"offset":n},"timestamp":"<ISO-8601>",
               "headerSize":n,"contentSize":n,"header":"...","headerEncoding":"utf8|base64",
               "content":"...","contentEncoding":"utf8|base64"}
            Header and content are text when they are valid UTF-8, else base64; --base64 always uses base64.
            Reads only; stops with exit 1 at a damaged record.
            """;

    private DumpCommand() {
    }

    static int run(WalFiles files, String key, boolean base64, PrintStream out, PrintStream err) throws IOException {
        byte[] keyBytes;
        try {
            keyBytes = KeyNames.utf8(key);
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return WalCli.USAGE;
        }
        long hash = KeyNames.hash(keyBytes);
        TreeMap<Long, Path> segments = files.listing().byKey().getOrDefault(hash, new TreeMap<>());
        for (Map.Entry<Long, Path> file : segments.entrySet()) {
            try (FileChannel channel = files.open(file.getValue())) {
                SegmentHeader header = SegmentHeader.read(channel, file.getValue(), hash, file.getKey());
                RecordCursor cursor = new RecordCursor(SegmentBytes.of(channel), hash, header.sequence(),
                        header.dataStart(), channel.size(), true);
                while (true) {
                    RecordCursor.Kind kind = cursor.next();
                    if (kind == RecordCursor.Kind.RECORD) {
                        out.println(Json.entry(new EntryRef(hash, header.sequence(), cursor.recordOffset()),
                                cursor.timestamp(), cursor.header(), cursor.content(), base64));
                        continue;
                    }
                    if (kind == RecordCursor.Kind.BAD) {
                        err.println("Error: " + file.getValue() + " offset " + cursor.recordOffset() + ": "
                                + cursor.problem() + " (run verify, then repair)");
                        return WalCli.PROBLEMS;
                    }
                    break;
                }
            } catch (FormatException e) {
                err.println("Error: " + e.getMessage());
                return WalCli.PROBLEMS;
            }
        }
        return WalCli.OK;
    }
}
