package dev.nanowal.spring.boot.autoconfigure.metrics;

import dev.nanowal.Wal;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import dev.nanowal.spring.boot.autoconfigure.NanoWalCompactor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of {@link NanoWalMetrics}, and of {@link NanoWalCursorMetrics} when
 * {@code nanowal.metrics.cursors=true}; Spring Boot binds every {@link MeterBinder} bean to the application's meter
 * registry.
 */
@AutoConfiguration(after = NanoWalAutoConfiguration.class,
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass({ Wal.class, MeterBinder.class })
@ConditionalOnSingleCandidate(Wal.class)
@ConditionalOnBean({ NanoWalCompactor.class, MeterRegistry.class })
@EnableConfigurationProperties(NanoWalMetricsProperties.class)
public final class NanoWalMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    NanoWalMetrics nanoWalMetrics(Wal wal, NanoWalCompactor compactor) {
        return new NanoWalMetrics(wal, compactor);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty("nanowal.metrics.cursors")
    NanoWalCursorMetrics nanoWalCursorMetrics(Wal wal) {
        return new NanoWalCursorMetrics(wal);
    }
}
