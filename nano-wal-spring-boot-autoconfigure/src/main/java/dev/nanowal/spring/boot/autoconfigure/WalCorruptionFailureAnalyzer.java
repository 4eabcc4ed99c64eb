package dev.nanowal.spring.boot.autoconfigure;

import dev.nanowal.WalCorruptionException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * Turns a start-up that the WAL refused as corrupt into advice in {@code nanowal.*} and CLI terms: the core's own
 * message names its API ({@code WalOptions.repairCorruptTail}), which a Spring Boot application sets through a
 * property. Damage inside one key no longer fails an open (it is isolated, see {@code Wal.damage()}); what still
 * does is a directory whose segments of one key hash hold different keys.
 */
final class WalCorruptionFailureAnalyzer extends AbstractFailureAnalyzer<WalCorruptionException> {

    private final Environment environment;

    WalCorruptionFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, WalCorruptionException cause) {
        String description = "The nano-wal directory holds damaged data, so it was not opened and nothing in it was "
                + "changed: " + cause.getMessage();
        String action = """
                With the application stopped, list every damaged file and offset with the nano-wal CLI: \
                java -jar nano-wal-core.jar verify <directory>. Then either restore the directory from a backup, or \
                cut each damaged segment at its first bad record (the cut bytes are kept in a .broken file beside it) \
                by starting once with 'nanowal.repair-corrupt-tail=true' or by running the CLI's repair command. The \
                directory is set by %s.""".formatted(ConfiguredDirectory.describe(this.environment));
        return new FailureAnalysis(description, action, cause);
    }
}
