package dev.nanowal.cli;

import dev.nanowal.WalException;
import dev.nanowal.WalLockedException;
import dev.nanowal.internal.engine.WalFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's command line: {@code java -jar nano-wal-core.jar <command> <dir>} with {@code stats},
 * {@code dump}, {@code verify}, {@code repair} and {@code backup}. JDK only. Only {@code repair} writes, and
 * {@code backup} writes only its target (it opens the WAL as an application would, recovery included); the others
 * read the files without changing them. {@code stats}, {@code dump} and {@code verify} hold no lock while they read,
 * so an application can open the directory meanwhile: they only look whether one holds it (the directory is live)
 * when they begin, and then read alongside the writer as {@code Wal.openReadOnly} does. {@code repair} and
 * {@code backup} take the lock, and exit 2 when an application holds it. {@code dump --follow} never takes it.
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
              dump   <dir> --journal       the live commit journal's records as JSON lines (segment, offset, length)
              dump   --follow <dir> <key> [--base64]
                                           the key's entries, then each new entry as the writer appends it, until
                                           interrupted (Ctrl-C) or stdin ends
              verify <dir>                 checks every segment header, record frame, checksum and seal;
                                           exit 0 when clean, 1 with a line per problem (file and offset)
              repair <dir>                 cuts a damaged tail (torn, or corrupt in the middle), keeping what it
                                           cuts in <segment>.broken; exit 0 when the WAL then opens cleanly
              backup <dir> <target>        a consistent copy in <target> (new or empty): sealed segments
                                           hard-linked on the same file system, the rest copied, all fsynced

            Each command accepts --help. stats, dump and verify hold no lock while they read, so an application
            can open the directory meanwhile; on a directory an application has open (a live directory) they read
            what it has handed to the operating system, and verify says which tails are live. repair and backup
            need the directory closed (exit 2 while it is open; a live WAL is backed up by the application that
            holds it, with Wal.backup).
            """;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    private WalCli(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    /** Runs one command, {@code dump --follow} ending when {@code in} ends; returns the exit code. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return new WalCli(in, out, err).dispatch(args);
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
        boolean journal = command.equals("dump") && rest.remove("--journal");
        boolean follow = command.equals("dump") && rest.remove("--follow");
        for (String arg : rest) {
            if (arg.startsWith("--")) {
                err.println("Unknown option " + arg + " for " + command + "\n" + help(command));
                return USAGE;
            }
        }
        int expected = (command.equals("dump") && !journal) || command.equals("backup") ? 2 : 1;
        if (!List.of("stats", "dump", "verify", "repair", "backup").contains(command)) {
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
                return RepairCommand.run(dir, out, err);
            }
            if (follow) {
                return DumpCommand.follow(dir, rest.get(1), base64, in, out, err);
            }
            if (command.equals("backup")) {
                return BackupCommand.run(dir, Path.of(rest.get(1)), out, err);
            }
            try (WalFiles files = WalFiles.forReading(dir)) {
                return run(command, files, dir, rest, base64, journal, files.live());
            }
        } catch (WalLockedException e) {
            err.println("Error: " + e.getMessage());
            return USAGE;
        } catch (WalException | IOException e) {
            err.println("Error: " + e.getMessage());
            return PROBLEMS;
        }
    }

    /**
     * @param journal {@code dump --journal}
     * @param live whether a writer holds the directory (the tool reads alongside it)
     */
    private int run(String command, WalFiles files, Path dir, List<String> rest, boolean base64, boolean journal,
            boolean live) throws IOException {
        return switch (command) {
            case "stats" -> StatsCommand.run(files, dir, live, out);
            case "dump" -> journal ? JournalDumpCommand.run(files, dir, out)
                    : live ? DumpCommand.live(dir, rest.get(1), base64, out, err)
                    : DumpCommand.run(files, rest.get(1), base64, out, err);
            default -> VerifyCommand.run(files, dir, live, out);
        };
    }

    private static String help(String command) {
        return switch (command) {
            case "stats" -> StatsCommand.HELP;
            case "dump" -> DumpCommand.HELP + "\n" + JournalDumpCommand.HELP;
            case "verify" -> VerifyCommand.HELP;
            case "repair" -> RepairCommand.HELP;
            case "backup" -> BackupCommand.HELP;
            default -> "Unknown command '" + command + "'\n" + USAGE_TEXT;
        };
    }

    /** A key hash as the file names and the dump print it: 16 hex digits. */
    static String hex(long value) {
        String hex = Long.toHexString(value);
        return "0".repeat(16 - hex.length()) + hex;
    }
}
