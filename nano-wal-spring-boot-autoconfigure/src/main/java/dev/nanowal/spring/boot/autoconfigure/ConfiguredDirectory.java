package dev.nanowal.spring.boot.autoconfigure;

import java.nio.file.Path;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The directory that {@code nanowal.directory} names, resolved as {@link NanoWalAutoConfiguration} resolves it, for
 * failure reports that must name it even when the properties could not be bound as a whole.
 */
final class ConfiguredDirectory {

    private ConfiguredDirectory() {
    }

    static String describe(Environment environment) {
        try {
            Path directory = Binder.get(environment).bind("nanowal.directory", Path.class).orElse(Path.of("nanowal-data"));
            return "'nanowal.directory' (now " + directory.toAbsolutePath().normalize() + ")";
        }
        catch (RuntimeException ex) {
            // A report about the WAL must not fail on a bad value of the property it is about.
            return "'nanowal.directory'";
        }
    }
}
