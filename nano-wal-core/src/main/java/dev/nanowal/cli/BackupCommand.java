package dev.nanowal.cli;

import dev.nanowal.BackupResult;
import dev.nanowal.Wal;
import dev.nanowal.WalLockedException;
import dev.nanowal.WalOptions;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code backup <dir> <target>}: opens the WAL (it must not be open elsewhere), takes a {@link Wal#backup} and
 * closes it again. A live WAL is backed up by the process that holds it.
 */
final class BackupCommand {

    static final String HELP = """
            Usage: backup <dir> <target>
            Writes a consistent copy of the WAL in <dir> to <target>, which must not exist or be an empty
            directory: sealed segments are hard-linked when <target> is on the same file system, everything else
            is copied; files and directories are fsynced. The command opens the WAL (recovering it as an open
            does), backs it up and closes it, so no application may hold <dir>: a WAL in use is backed up by the
            application that holds it, with Wal.backup(target). Until the copy is complete and durable, <target>
            holds nanowal.backup-incomplete: verify reports such a directory as an incomplete backup and a WAL
            does not open it. Exit 0 when the backup is complete.
            """;

    private BackupCommand() {
    }

    static int run(Path dir, Path target, PrintStream out, PrintStream err) {
        // journal(false): the backup needs none, and a WAL written without one keeps having none
        try (Wal wal = Wal.open(dir, WalOptions.builder().journal(false).build())) {
            BackupResult result = wal.backup(target);
            out.println("backed up " + dir + " to " + result.target() + ": " + result.keys() + " keys, "
                    + result.entries() + " entries, " + result.filesLinked() + " segment files linked, "
                    + result.filesCopied() + " copied (" + result.bytesCopied() + " of " + result.bytes()
                    + " bytes copied) in " + result.took().toMillis() + " ms");
            return WalCli.OK;
        } catch (WalLockedException e) {
            err.println("Error: " + e.getMessage() + ". A WAL that an application holds open is backed up by that "
                    + "application: call Wal.backup(target) there; this command backs up a WAL nobody has open");
            return WalCli.USAGE;
        }
    }
}
