package dev.nanowal.spring.boot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;

/** A test context's temporary WAL directory, deleted with its contents when the context is destroyed. */
final class TempWalDirectory implements DisposableBean {

    private static final Log logger = LogFactory.getLog(TempWalDirectory.class);

    private final Path directory;

    TempWalDirectory(Path directory) {
        this.directory = directory;
    }

    @Override
    public void destroy() {
        if (!Files.exists(this.directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(this.directory)) {
            // Deepest first, so each directory is empty by the time it is deleted.
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
        catch (IOException | UncheckedIOException ex) {
            logger.warn("Could not delete the test's WAL directory " + this.directory, ex);
        }
    }
}
