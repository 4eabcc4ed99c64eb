package dev.nanowal.cli;

import dev.nanowal.Wal;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalOptions;
import dev.nanowal.WalStats;
import dev.nanowal.internal.engine.WalFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code repair <dir>}: opens the WAL with {@link WalOptions#repairCorruptTail()}, so recovery itself cuts what
 * {@code verify} reports, then verifies.
 */
final class RepairCommand {

    static final String HELP = """
            Usage: repair <dir>
            Opens the WAL with repairCorruptTail: a torn tail is cut, and corruption followed by valid entries
            is cut too, the cut bytes kept in <segment>.broken beside the segment. Prints what was cut, then
            verifies. Exit 0 when the WAL is clean afterwards, 1 otherwise.
            """;

    private RepairCommand() {
    }

    static int run(Path dir, PrintStream out, PrintStream err) throws IOException {
        Set<String> before = WalFiles.names(dir);
        WalStats stats;
        try (Wal wal = Wal.open(dir, WalOptions.builder().repairCorruptTail(true).build())) {
            stats = wal.stats();
        } catch (WalCorruptionException e) {
            err.println("Error: cannot repair: " + e.getMessage());
            return WalCli.PROBLEMS;
        }
        Set<String> created = WalFiles.names(dir);
        created.removeAll(before);
        out.println("repaired " + dir + ": cut " + stats.bytesTruncatedAtRecovery() + " bytes");
        for (String name : created) {
            out.println("kept the cut bytes in " + dir.resolve(name));
        }
        List<String> problems;
        try (WalFiles files = WalFiles.lock(dir)) {
            problems = VerifyCommand.check(files, dir).problems();
        }
        problems.forEach(out::println);
        out.println(problems.isEmpty() ? "the WAL is clean" : problems.size() + " problems remain");
        return problems.isEmpty() ? WalCli.OK : WalCli.PROBLEMS;
    }
}
