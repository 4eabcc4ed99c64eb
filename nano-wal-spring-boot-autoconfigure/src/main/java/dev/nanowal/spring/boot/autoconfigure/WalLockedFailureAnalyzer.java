package dev.nanowal.spring.boot.autoconfigure;

import dev.nanowal.WalLockedException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * Turns a start-up that found the WAL directory open elsewhere into advice in {@code nanowal.*} terms, including the
 * case new users meet first: a test suite whose earlier, cached application contexts keep the directory open.
 */
final class WalLockedFailureAnalyzer extends AbstractFailureAnalyzer<WalLockedException> {

    private final Environment environment;

    WalLockedFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, WalLockedException cause) {
        String description = "The nano-wal directory could not be opened: " + cause.getMessage()
                + ". A directory has one writer at a time.";
        String action = """
                If another process has it open, stop that process or give this application its own directory with \
                %1$s.
                If this happens in a test suite: the test framework keeps earlier application contexts cached, each \
                with its WAL open. Annotate the test classes with @AutoConfigureTempWal (dependency \
                dev.nanowal:nano-wal-spring-boot-test, scope test) to give each test context a temporary directory of \
                its own, or set a different %1$s in each test configuration."""
            .formatted(ConfiguredDirectory.describe(this.environment));
        return new FailureAnalysis(description, action, cause);
    }
}
