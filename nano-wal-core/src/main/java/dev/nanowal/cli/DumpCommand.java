package dev.nanowal.cli;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalClosedException;
import dev.nanowal.WalRecord;
import dev.nanowal.WalTailer;
import dev.nanowal.internal.engine.WalFiles;
import dev.nanowal.internal.format.FormatException;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.io.SegmentBytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** {@code dump <dir> <key> [--base64]}: the key's entries in append order, one JSON object per line. */
final class DumpCommand {

    static final String HELP = """
            Usage: dump [--follow] <dir> <key> [--base64]
            Prints the key's entries in append order, one JSON object per line:
              {"ref":{"keyHash":"<16 hex>","sequenceNumber":n,"offset":n},"timestamp":"<ISO-8601>",
               "headerSize":n,"contentSize":n,"header":"...","headerEncoding":"utf8|base64",
               "content":"...","contentEncoding":"utf8|base64"}
            Header and content are text when they are valid UTF-8, else base64; --base64 always uses base64.
            Reads only; stops with exit 1 at a damaged record. While an application has the directory open, prints
            what it has handed to the operating system: the newest segment's entries up to its last complete one.
            --follow then prints each new entry as the writer hands it to the operating system (a durable one by
            the time its append returns), through a read-only view that takes no lock, until interrupted (Ctrl-C)
            or until stdin ends; exit 0.
            """;

    /** How long one wait of {@code --follow} lasts; it waits again until stdin ends. */
    private static final Duration FOLLOW_WAIT = Duration.ofSeconds(10);

    private DumpCommand() {
    }

    /** The dump of a directory a writer holds: through a read-only view, to the key's last complete entry. */
    static int live(Path dir, String key, boolean base64, PrintStream out, PrintStream err) {
        if (!validKey(key, err)) {
            return WalCli.USAGE;
        }
        try (Wal view = Wal.openReadOnly(dir); Stream<WalRecord> records = view.enumerateEntries(key)) {
            records.forEach(record -> print(view, record, base64, out));
        }
        return WalCli.OK;
    }

    /**
     * {@code dump --follow}: the key's entries, then each new one as it comes, through a tailer of a read-only view,
     * until {@code in} ends (or the process is interrupted).
     */
    static int follow(Path dir, String key, boolean base64, InputStream in, PrintStream out, PrintStream err) {
        if (!validKey(key, err)) {
            return WalCli.USAGE;
        }
        try (Wal view = Wal.openReadOnly(dir); WalTailer tailer = view.tail(key, null)) {
            Thread stdin = new Thread(() -> {
                try {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // stdin unreadable: the same as its end
                }
                tailer.close();
            }, "nano-wal-dump-stdin");
            stdin.setDaemon(true);
            stdin.start();
            while (true) {
                Optional<WalRecord> next = tailer.poll(FOLLOW_WAIT);
                if (next.isPresent()) {
                    print(view, next.get(), base64, out);
                    out.flush();
                }
            }
        } catch (WalClosedException ended) {
            return WalCli.OK;
        }
    }

    private static void print(Wal view, WalRecord record, boolean base64, PrintStream out) {
        out.println(Json.entry(record.ref(), view.appendedAt(record.ref()).toEpochMilli(), record.header(),
                record.content(), base64));
    }

    private static boolean validKey(String key, PrintStream err) {
        try {
            KeyNames.utf8(key);
            return true;
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return false;
        }
    }

    static int run(WalFiles files, String key, boolean base64, PrintStream out, PrintStream err) throws IOException {
        if (!validKey(key, err)) {
            return WalCli.USAGE;
        }
        long hash = KeyNames.hash(KeyNames.utf8(key));
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
