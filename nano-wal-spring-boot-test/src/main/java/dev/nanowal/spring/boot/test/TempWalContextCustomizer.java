package dev.nanowal.spring.boot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.support.TestPropertySourceUtils;

/**
 * Points {@code nanowal.directory} of one application context to a new temporary directory and deletes that
 * directory once the context's beans, the WAL among them, are destroyed. Equal to every other customizer with the
 * same settings, so test classes that differ in nothing else still share one cached context.
 */
final class TempWalContextCustomizer implements ContextCustomizer {

    static final String PROPERTY_SOURCE_NAME = "nanowal-temp-directory";

    static final String CLOCK_BEAN_NAME = "nanoWalSettableClock";

    private static final String DIRECTORY_BEAN_NAME = "nanoWalTempDirectory";

    private final boolean settableClock;

    TempWalContextCustomizer(boolean settableClock) {
        this.settableClock = settableClock;
    }

    @Override
    public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
        // Test contexts (Spring Boot's and Spring's alike) are GenericApplicationContexts.
        DefaultListableBeanFactory beanFactory = (DefaultListableBeanFactory) context.getBeanFactory();
        Path directory = createDirectory();
        // Registered before any bean exists, so it is destroyed after all of them: after the WAL has closed.
        beanFactory.registerDisposableBean(DIRECTORY_BEAN_NAME, new TempWalDirectory(directory));
        addDirectoryProperty(context.getEnvironment().getPropertySources(), directory);
        if (this.settableClock) {
            RootBeanDefinition clock = new RootBeanDefinition(SettableClock.class,
                    () -> new SettableClock(Clock.systemUTC().instant()));
            // Primary, so it wins over a Clock the application defines for itself.
            clock.setPrimary(true);
            beanFactory.registerBeanDefinition(CLOCK_BEAN_NAME, clock);
        }
    }

    private static Path createDirectory() {
        try {
            return Files.createTempDirectory("nanowal-test-");
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not create a temporary directory for the test's WAL", ex);
        }
    }

    /** Below the test's own inlined properties (a nanowal.directory set there wins), above everything else. */
    private static void addDirectoryProperty(MutablePropertySources sources, Path directory) {
        MapPropertySource source = new MapPropertySource(PROPERTY_SOURCE_NAME,
                Map.of("nanowal.directory", directory.toString()));
        String inlined = TestPropertySourceUtils.INLINED_PROPERTIES_PROPERTY_SOURCE_NAME;
        if (sources.contains(inlined)) {
            sources.addAfter(inlined, source);
        }
        else {
            sources.addFirst(source);
        }
    }

    @Override
    public boolean equals(Object other) {
        return (other instanceof TempWalContextCustomizer customizer) && customizer.settableClock == this.settableClock;
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(this.settableClock);
    }
}
