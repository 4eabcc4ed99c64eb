package dev.nanowal.spring.boot.autoconfigure.kafka;

import dev.nanowal.Wal;
import dev.nanowal.kafka.KafkaRelay;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of {@link NanoWalKafkaMetrics}; Spring Boot binds every {@link MeterBinder} bean to the
 * application's meter registry.
 */
@AutoConfiguration(after = NanoWalKafkaAutoConfiguration.class,
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass({ KafkaRelay.class, MeterBinder.class })
@ConditionalOnBean({ KafkaRelay.class, NanoWalKafkaProperties.class, MeterRegistry.class })
@ConditionalOnSingleCandidate(Wal.class)
public final class NanoWalKafkaMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    NanoWalKafkaMetrics nanoWalKafkaMetrics(KafkaRelay relay, Wal wal, NanoWalKafkaProperties properties) {
        return new NanoWalKafkaMetrics(relay, wal, properties.metrics().perKey().gaugedKeys());
    }
}
