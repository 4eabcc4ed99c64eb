package dev.nanowal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The operator's command line: {@code java -jar nano-wal-core.jar <command> <dir>} with {@code stats},
 * {@code dump}, {@code verify} and {@code repair}. JDK only. Every command takes the directory's lock while it
 * runs, so it never reads a WAL that an application is writing (exit 2 when one is). Only {@code repair}
 * writes; the others read the files without changing them.
 *
 * <p>Exit codes: 0 success (verify: no problem found), 1 problems found (verify) or not repaired (repair),
 * 2 usage errors, a missing or locked directory.
 */
public final class WalCli {

    static final int OK = 0;
    static final int PROBLEMS = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = """
            Usage: java -jar nano-wal-core.jar <command> <dir> [options]

            Commands:
              stats  <dir>                 keys, segments, bytes, and the oldest and newest entry per key
              dump   <dir> <key> [--base64] the key's entries as JSON lines (ref, timestamp, sizes, header, content)
              verify <dir>                 checks every segment header, record frame, checksum and seal;
                                           exit 0 when clean, 1 with a line per problem (file and offset)
              repair <dir>                 cuts a damaged tail (torn, or corrupt in the middle), keeping what it
                                           cuts in <segment>.broken; exit 0 when the WAL then opens cleanly

            Each command accepts --help. The directory must not be open by a running application (exit 2).
            """;

    private final PrintStream out;
    private final PrintStream err;

    private WalCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return new WalCli(out, err).dispatch(args);
    }

    private int dispatch(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        String command = args[0];
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(help(command));
            return help(command).startsWith("Unknown") ? USAGE : OK;
        }
        boolean base64 = rest.remove("--base64");
        for (String arg : rest) {
            if (arg.startsWith("--")) {
                err.println("Unknown option " + arg + " for " + command + "\n" + help(command));
                return USAGE;
            }
        }
        int expected = command.equals("dump") ? 2 : 1;
        if (!List.of("stats", "dump", "verify", "repair").contains(command)) {
            err.print("Unknown command '" + command + "'\n" + USAGE_TEXT);
            return USAGE;
        }
        if (rest.size() != expected) {
            err.print("Wrong arguments for " + command + "\n" + help(command));
            return USAGE;
        }
        Path dir = Path.of(rest.get(0)).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            err.println("Error: " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
            return USAGE;
        }
        try {
            if (command.equals("repair")) {
                return repair(dir);
            }
            try (DirectoryLock ignored = DirectoryLock.take(dir)) {
                return switch (command) {
                    case "stats" -> stats(dir);
                    case "dump" -> dump(dir, rest.get(1), base64);
                    default -> verify(dir);
                };
            }
        } catch (WalLockedException e) {
            err.println("Error: " + e.getMessage());
            return USAGE;
        } catch (WalException | IOException e) {
            err.println("Error: " + e.getMessage());
            return PROBLEMS;
        }
    }

    private static String help(String command) {
        return switch (command) {
            case "stats" -> """
                    Usage: stats <dir>
                    Prints the WAL's keys, segment files, bytes, entries, and the oldest and newest entry of each key.
                    Reads only; the directory must not be open by an application.
                    """;
            case "dump" -> """
                    Usage: dump <dir> <key> [--base64]
                    Prints the key's entries in append order, one JSON object per line:
                      {"ref":{"keyHash":"<16 hex>","sequenceNumber":n,"offset":n},"timestamp":"<ISO-8601>",
                       "headerSize":n,"contentSize":n,"header":"...","headerEncoding":"utf8|base64",
                       "content":"...","contentEncoding":"utf8|base64"}
                    Header and content are text when they are valid UTF-8, else base64; --base64 always uses base64.
                    Reads only; stops with exit 1 at a damaged record.
                    """;
            case "verify" -> """
                    Usage: verify <dir>
                    Checks every segment file without opening the WAL for writing: header, every record's frame and
                    CRC32C, seals, and the meta file. Prints one line per problem:
                      PROBLEM <file> offset <n>: <what>
                    then a summary. Exit 0 when clean, 1 when problems were found.
                    """;
            case "repair" -> """
                    Usage: repair <dir>
                    Opens the WAL with repairCorruptTail: a torn tail is cut, and corruption followed by valid entries
                    is cut too, the cut bytes kept in <segment>.broken beside the segment. Prints what was cut, then
                    verifies. Exit 0 when the WAL is clean afterwards, 1 otherwise.
                    """;
            default -> "Unknown command '" + command + "'\n" + USAGE_TEXT;
        };
    }

    // ---- stats ----------------------------------------------------------------------------------------

    private int stats(Path dir) throws IOException {
        Map<Long, TreeMap<Long, Path>> keys = segmentsByKey(dir);
        long segments = 0;
        long bytes = 0;
        List<String> lines = new ArrayList<>();
        TreeMap<String, String> byName = new TreeMap<>();
        for (Map.Entry<Long, TreeMap<Long, Path>> key : keys.entrySet()) {
            String name = null;
            long entries = 0;
            long keyBytes = 0;
            long oldest = Long.MAX_VALUE;
            long newest = Long.MIN_VALUE;
            for (Map.Entry<Long, Path> file : key.getValue().entrySet()) {
                segments++;
                long size = Files.size(file.getValue());
                keyBytes += size;
                try (FileChannel channel = FileChannel.open(file.getValue(), StandardOpenOption.READ)) {
                    SegmentHeader header = SegmentHeader.read(channel, file.getValue(), key.getKey(), file.getKey());
                    name = header.key();
                    RecordCursor cursor = new RecordCursor(SegmentBytes.of(channel), header.keyHash(), header.sequence(),
                            header.dataStart(), size, false);
                    while (cursor.next() == RecordCursor.Kind.RECORD) {
                        entries++;
                        oldest = Math.min(oldest, cursor.timestamp());
                        newest = Math.max(newest, cursor.timestamp());
                    }
                } catch (WalCorruptionException e) {
                    lines.add("  (unreadable segment " + file.getValue().getFileName() + ": " + e.getMessage() + ")");
                }
            }
            bytes += keyBytes;
            String label = name == null ? "<unknown key, hash " + hex(key.getKey()) + ">" : name;
            byName.put(label, "key " + quote(label) + ": segments=" + key.getValue().size() + " entries=" + entries
                    + " bytes=" + keyBytes + " oldest=" + (entries == 0 ? "-" : Instant.ofEpochMilli(oldest))
                    + " newest=" + (entries == 0 ? "-" : Instant.ofEpochMilli(newest)));
        }
        out.println("directory: " + dir);
        out.println("keys: " + keys.size());
        out.println("segments: " + segments);
        out.println("bytes: " + bytes);
        byName.values().forEach(out::println);
        lines.forEach(out::println);
        return OK;
    }

    // ---- dump -----------------------------------------------------------------------------------------

    private int dump(Path dir, String key, boolean base64) throws IOException {
        byte[] keyBytes;
        try {
            keyBytes = KeyNames.utf8(key);
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return USAGE;
        }
        long hash = KeyNames.hash(keyBytes);
        TreeMap<Long, Path> files = segmentsByKey(dir).getOrDefault(hash, new TreeMap<>());
        for (Map.Entry<Long, Path> file : files.entrySet()) {
            long size = Files.size(file.getValue());
            try (FileChannel channel = FileChannel.open(file.getValue(), StandardOpenOption.READ)) {
                SegmentHeader header = SegmentHeader.read(channel, file.getValue(), hash, file.getKey());
                RecordCursor cursor = new RecordCursor(SegmentBytes.of(channel), hash, header.sequence(), header.dataStart(), size, true);
                while (true) {
                    RecordCursor.Kind kind = cursor.next();
                    if (kind == RecordCursor.Kind.RECORD) {
                        out.println(json(new EntryRef(hash, header.sequence(), cursor.recordOffset()), cursor.timestamp(),
                                cursor.header(), cursor.content(), base64));
                        continue;
                    }
                    if (kind == RecordCursor.Kind.BAD) {
                        err.println("Error: " + file.getValue() + " offset " + cursor.recordOffset() + ": "
                                + cursor.problem() + " (run verify, then repair)");
                        return PROBLEMS;
                    }
                    break;
                }
            }
        }
        return OK;
    }

    private static String json(EntryRef ref, long timestamp, byte[] header, byte[] content, boolean base64) {
        String[] h = encode(header, base64);
        String[] c = encode(content, base64);
        return "{\"ref\":{\"keyHash\":\"" + hex(ref.keyHash()) + "\",\"sequenceNumber\":" + ref.sequenceNumber()
                + ",\"offset\":" + ref.offset() + "},\"timestamp\":\"" + Instant.ofEpochMilli(timestamp)
                + "\",\"headerSize\":" + header.length + ",\"contentSize\":" + content.length
                + ",\"header\":" + quote(h[0]) + ",\"headerEncoding\":\"" + h[1] + "\""
                + ",\"content\":" + quote(c[0]) + ",\"contentEncoding\":\"" + c[1] + "\"}";
    }

    /** The bytes as UTF-8 text when they are valid UTF-8 (and base64 is not forced), else base64. */
    private static String[] encode(byte[] bytes, boolean base64) {
        if (!base64) {
            try {
                String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
                return new String[] {text, "utf8"};
            } catch (CharacterCodingException e) {
                // binary: base64 below
            }
        }
        return new String[] {Base64.getEncoder().encodeToString(bytes), "base64"};
    }

    static String quote(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }

    // ---- verify ---------------------------------------------------------------------------------------

    private int verify(Path dir) throws IOException {
        int[] counts = new int[3];
        List<String> problems = verifyInto(dir, counts);
        problems.forEach(out::println);
        out.println("verified " + counts[0] + " segment files, " + counts[1] + " records, " + counts[2] + " seals: "
                + (problems.isEmpty() ? "no problems" : problems.size() + " problem" + (problems.size() == 1 ? "" : "s")));
        return problems.isEmpty() ? OK : PROBLEMS;
    }

    /** Checks every file; returns the problems. counts: segments, records, seals. */
    static List<String> verifyInto(Path dir, int[] counts) throws IOException {
        List<String> problems = new ArrayList<>();
        try {
            SequenceFloor.read(dir);
        } catch (WalException e) {
            problems.add("PROBLEM " + dir.resolve(SequenceFloor.FILE_NAME) + " offset 0: " + e.getMessage());
        }
        for (Map.Entry<Long, TreeMap<Long, Path>> key : segmentsByKey(dir).entrySet()) {
            for (Map.Entry<Long, Path> file : key.getValue().entrySet()) {
                counts[0]++;
                boolean last = file.getKey().equals(key.getValue().lastKey());
                verifySegment(file.getValue(), key.getKey(), file.getKey(), last, problems, counts);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                if (SegmentNames.isTemporary(file.getFileName().toString())) {
                    problems.add("PROBLEM " + file + " offset 0: an unfinished segment creation (open or repair deletes it)");
                }
            }
        }
        return problems;
    }

    private static void verifySegment(Path path, long hash, long sequence, boolean last, List<String> problems,
            int[] counts) throws IOException {
        long size = Files.size(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            SegmentHeader header;
            try {
                header = SegmentHeader.read(channel, path, hash, sequence);
            } catch (WalCorruptionException e) {
                problems.add("PROBLEM " + path + " offset 0: " + e.getMessage());
                return;
            }
            RecordCursor cursor = new RecordCursor(SegmentBytes.of(channel), hash, sequence, header.dataStart(), size, false);
            long records = 0;
            while (true) {
                RecordCursor.Kind kind = cursor.next();
                if (kind == RecordCursor.Kind.RECORD) {
                    records++;
                    counts[1]++;
                    continue;
                }
                long at = cursor.recordOffset();
                if (kind == RecordCursor.Kind.SEAL) {
                    counts[2]++;
                    if (at + Frames.SEAL_SIZE != size && !Recovery.zerosOnly(channel, at + Frames.SEAL_SIZE, size)) {
                        problems.add("PROBLEM " + path + " offset " + (at + Frames.SEAL_SIZE) + ": " + (size - at
                                - Frames.SEAL_SIZE) + " bytes after the seal");
                    } else if (cursor.sealEntries() != records) {
                        problems.add("PROBLEM " + path + " offset " + at + ": the seal counts " + cursor.sealEntries()
                                + " records, the segment holds " + records);
                    }
                } else if (kind == RecordCursor.Kind.BAD || at < size && !Recovery.zerosOnly(channel, at, size)) {
                    String found = kind == RecordCursor.Kind.BAD ? cursor.problem() : "zero bytes";
                    boolean middle = cursor.validFrameAfter(at);
                    problems.add("PROBLEM " + path + " offset " + at + ": " + found + "; "
                            + (middle ? "valid records follow: corruption in the middle (repair cuts " + (size - at)
                                    + " bytes, keeping them in a .broken file)"
                                    : "a torn tail of " + (size - at) + " bytes (opening or repair cuts it)"));
                } else if (!last) {
                    // an unsealed segment that a newer one follows: a write failed there; its records are valid
                }
                return;
            }
        }
    }

    // ---- repair ---------------------------------------------------------------------------------------

    private int repair(Path dir) throws IOException {
        Set<String> before = listing(dir);
        WalStats stats;
        try (Wal wal = Wal.open(dir, WalOptions.builder().repairCorruptTail(true).build())) {
            stats = wal.stats();
        } catch (WalCorruptionException e) {
            err.println("Error: cannot repair: " + e.getMessage());
            return PROBLEMS;
        }
        Set<String> created = listing(dir);
        created.removeAll(before);
        out.println("repaired " + dir + ": cut " + stats.bytesTruncatedAtRecovery() + " bytes");
        for (String name : created) {
            out.println("kept the cut bytes in " + dir.resolve(name));
        }
        int[] counts = new int[3];
        List<String> problems = verifyInto(dir, counts);
        problems.forEach(out::println);
        out.println(problems.isEmpty() ? "the WAL is clean" : problems.size() + " problems remain");
        return problems.isEmpty() ? OK : PROBLEMS;
    }

    private static Set<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            Set<String> names = new TreeSet<>();
            files.forEach(f -> names.add(f.getFileName().toString()));
            return names;
        }
    }

    // ---- shared ---------------------------------------------------------------------------------------

    /** Segment files by key hash, then sequence. */
    private static Map<Long, TreeMap<Long, Path>> segmentsByKey(Path dir) throws IOException {
        Map<Long, TreeMap<Long, Path>> keys = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                SegmentNames.Parsed parsed = SegmentNames.parse(file.getFileName().toString());
                if (parsed != null && Files.isRegularFile(file)) {
                    keys.computeIfAbsent(parsed.keyHash(), h -> new TreeMap<>()).put(parsed.sequence(), file);
                }
            }
        }
        return keys;
    }

    private static String hex(long value) {
        String hex = Long.toHexString(value);
        return "0".repeat(16 - hex.length()) + hex;
    }

    /** The directory's lock, held while a read-only command runs. */
    private static final class DirectoryLock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private DirectoryLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static DirectoryLock take(Path dir) throws IOException {
            FileChannel channel = FileChannel.open(dir.resolve(WalDirectory.LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    channel.close();
                    throw new WalLockedException("The WAL directory " + dir + " is in use by another process (it holds "
                            + "the lock on " + WalDirectory.LOCK_FILE + "); stop it first");
                }
                return new DirectoryLock(channel, lock);
            } catch (OverlappingFileLockException e) {
                channel.close();
                throw new WalLockedException("The WAL directory " + dir + " is open in this JVM");
            }
        }

        @Override
        public void close() throws IOException {
            lock.release();
            channel.close();
        }
    }
}
