package dev.nanowal.cli;

import dev.nanowal.internal.engine.WalFiles;
import dev.nanowal.internal.format.JournalFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code dump <dir> --journal}: the commit journal's records that a next open would replay, one JSON object per
 * line, then a line per journal file saying how its records end (FORMAT.md, "The commit journal").
 */
final class JournalDumpCommand {

    static final String HELP = """
            Usage: dump <dir> --journal
            Prints the records of every live commit journal file (those a next open replays), one JSON object per line:
              {"journal":"nanowal-<slot>.journal","slot":n,"generation":n,"at":n,"keyHash":"<16 hex>",
               "sequenceNumber":n,"offset":n,"length":n,"entries":n,"crc":"ok"}
            (at: where the record starts in the journal file; the segment is (keyHash, sequenceNumber), and its
            length bytes belong at offset in it), then one line per journal file:
              {"journal":"...","slot":n,"generation":n,"records":n,"bytes":n,"end":n,"endedBy":"zeros|damaged record"}
            or {"journal":"...","slot":n,"spare":true} for a retired file. A record that fails its CRC32C ends its
            file (a commit cut short by a crash, never acknowledged): it is reported as the file's end, not printed.
            Reads only.
            """;

    private JournalDumpCommand() {
    }

    static int run(WalFiles files, Path dir, PrintStream out) throws IOException {
        for (JournalSummary.File file : JournalSummary.of(files, dir, (name, generation, at, keyHash, sequence,
                offset, entries, length) -> out.println("{\"journal\":" + Json.quote(name) + ",\"slot\":"
                + JournalFormat.slotOf(name) + ",\"generation\":" + generation + ",\"at\":" + at + ",\"keyHash\":\""
                + WalCli.hex(keyHash) + "\",\"sequenceNumber\":" + sequence + ",\"offset\":" + offset
                + ",\"length\":" + length + ",\"entries\":" + entries + ",\"crc\":\"ok\"}"))) {
            String head = "{\"journal\":" + Json.quote(file.name()) + ",\"slot\":" + JournalFormat.slotOf(file.name());
            if (!file.live()) {
                out.println(head + ",\"spare\":true}");
                continue;
            }
            out.println(head + ",\"generation\":" + file.generation() + ",\"records\":" + file.records() + ",\"bytes\":"
                    + file.bytes() + ",\"end\":" + file.end().offset() + ",\"endedBy\":\""
                    + (file.end().damaged() ? "damaged record" : "zeros") + "\"}");
        }
        return WalCli.OK;
    }
}
