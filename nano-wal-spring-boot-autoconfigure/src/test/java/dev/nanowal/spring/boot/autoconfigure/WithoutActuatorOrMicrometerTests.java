package dev.nanowal.spring.boot.autoconfigure;

import java.nio.file.Path;

import dev.nanowal.Wal;
import dev.nanowal.spring.boot.autoconfigure.endpoint.NanoWalEndpoint;
import dev.nanowal.spring.boot.autoconfigure.endpoint.NanoWalEndpointAutoConfiguration;
import dev.nanowal.spring.boot.autoconfigure.health.NanoWalHealthContributorAutoConfiguration;
import dev.nanowal.spring.boot.autoconfigure.metrics.NanoWalMetrics;
import dev.nanowal.spring.boot.autoconfigure.metrics.NanoWalMetricsAutoConfiguration;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** Every auto-configuration together, with the optional libraries hidden one class at a time. */
class WithoutActuatorOrMicrometerTests {

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(NanoWalAutoConfiguration.class,
                    NanoWalHealthContributorAutoConfiguration.class, NanoWalMetricsAutoConfiguration.class,
                    NanoWalEndpointAutoConfiguration.class))
            .withBean(SimpleMeterRegistry.class)
            .withPropertyValues("nanowal.directory=" + this.directory,
                    "management.endpoints.web.exposure.include=nanowal");
    }

    @Test
    void everythingWithEverythingPresent() {
        runner().run((context) -> assertThat(context).hasSingleBean(Wal.class)
            .hasBean("nanowalHealthIndicator")
            .hasSingleBean(NanoWalMetrics.class)
            .hasSingleBean(NanoWalEndpoint.class));
    }

    @Test
    void onlyTheWalWithoutActuatorHealthOrMicrometer() {
        runner().withClassLoader(new FilteredClassLoader(Endpoint.class, HealthIndicator.class, MeterBinder.class))
            .run((context) -> assertThat(context).hasNotFailed()
                .hasSingleBean(Wal.class)
                .hasSingleBean(NanoWalCompactor.class)
                .doesNotHaveBean("nanowalHealthIndicator")
                .doesNotHaveBean(NanoWalMetrics.class)
                .doesNotHaveBean(NanoWalEndpoint.class));
    }

    @Test
    void nothingWithoutTheCore() {
        runner().withClassLoader(new FilteredClassLoader(Wal.class))
            .run((context) -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(NanoWalCompactor.class)
                .doesNotHaveBean("nanowalHealthIndicator")
                .doesNotHaveBean(NanoWalMetrics.class)
                .doesNotHaveBean(NanoWalEndpoint.class));
    }
}
