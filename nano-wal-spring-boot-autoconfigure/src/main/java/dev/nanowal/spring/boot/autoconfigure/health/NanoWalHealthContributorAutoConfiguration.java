package dev.nanowal.spring.boot.autoconfigure.health;

import dev.nanowal.Wal;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import dev.nanowal.spring.boot.autoconfigure.NanoWalProperties;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code nanowal} health indicator; switch it off with
 * {@code management.health.nanowal.enabled=false}.
 */
@AutoConfiguration(after = NanoWalAutoConfiguration.class)
@ConditionalOnClass({ Wal.class, HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnSingleCandidate(Wal.class)
@ConditionalOnBean(NanoWalProperties.class)
@ConditionalOnEnabledHealthIndicator("nanowal")
public final class NanoWalHealthContributorAutoConfiguration {

    // The contributor's name in /actuator/health is the bean name less "HealthIndicator": "nanowal".
    @Bean
    @ConditionalOnMissingBean(name = { "nanowalHealthIndicator", "nanowalHealthContributor" })
    HealthIndicator nanowalHealthIndicator(Wal wal, NanoWalProperties properties) {
        NanoWalProperties.Health health = properties.health();
        return new NanoWalHealthIndicator(wal, health.minFreeDisk(), health.maxFsyncLatency(),
                health.fsyncLatencyWindow());
    }
}
