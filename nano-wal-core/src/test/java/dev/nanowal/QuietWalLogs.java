package dev.nanowal;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Silences the WAL's own log (recoveries, cut tails, failed writes: thousands of expected lines in the
 * reliability tests) for one test class, and restores it afterwards. Use with {@code @ExtendWith}.
 */
final class QuietWalLogs implements BeforeAllCallback, AfterAllCallback {

    private static final Logger WAL_LOGGER = Logger.getLogger(Wal.class.getName());
    private Level previous;

    @Override
    public void beforeAll(ExtensionContext context) {
        previous = WAL_LOGGER.getLevel();
        WAL_LOGGER.setLevel(Level.OFF);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        WAL_LOGGER.setLevel(previous);
    }
}
