package dev.nanowal.spring.boot.autoconfigure;

import java.nio.file.Path;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The directory that {@code nanowal.directory} names (its default included), resolved as
 * {@link NanoWalAutoConfiguration} resolves it, for failure reports, which run outside the context.
 */
final class ConfiguredDirectory {

    private ConfiguredDirectory() {
    }

    static String describe(Environment environment) {
        try {
            Path directory = Binder.get(environment).bindOrCreate("nanowal", NanoWalProperties.class).directory();
            return "'nanowal.directory' (now " + directory.toAbsolutePath().normalize() + ")";
        }
        catch (RuntimeException ex) {
            // A report about the WAL must not fail on a bad nanowal.* value.
            return "'nanowal.directory'";
        }
    }
}
