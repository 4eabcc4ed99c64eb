package dev.nanowal.spring.boot.autoconfigure.kafka;

import dev.nanowal.kafka.KafkaRelay;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code nanowalKafka} health indicator; switch it off with
 * {@code management.health.nanowalkafka.enabled=false}.
 */
@AutoConfiguration(after = NanoWalKafkaAutoConfiguration.class)
@ConditionalOnClass({ KafkaRelay.class, HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean({ KafkaRelay.class, NanoWalKafkaProperties.class })
@ConditionalOnEnabledHealthIndicator("nanowalkafka")
public final class NanoWalKafkaHealthContributorAutoConfiguration {

    // The contributor's name in /actuator/health is the bean name less "HealthIndicator": "nanowalKafka".
    @Bean
    @ConditionalOnMissingBean(name = { "nanowalKafkaHealthIndicator", "nanowalKafkaHealthContributor" })
    HealthIndicator nanowalKafkaHealthIndicator(KafkaRelay relay, NanoWalKafkaProperties properties) {
        return new NanoWalKafkaHealthIndicator(relay, properties.health());
    }
}
