package dev.nanowal.spring.boot.autoconfigure;

import dev.nanowal.WalOptions;

/**
 * Changes the options of the auto-configured {@code Wal} beyond what the {@code nanowal.*} properties set, keeping
 * the property binding and the application's {@code Clock}. Every customizer bean is applied, in
 * {@link org.springframework.core.annotation.Order @Order} (or {@link org.springframework.core.Ordered}) order, to a
 * builder that already holds the properties; a value the core refuses fails start-up with the core's message.
 */
@FunctionalInterface
public interface NanoWalOptionsCustomizer {

    /**
     * Customizes the options before the WAL opens.
     *
     * @param builder the options as the properties set them
     */
    void customize(WalOptions.Builder builder);
}
