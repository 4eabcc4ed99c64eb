package dev.nanowal.spring.boot.autoconfigure.endpoint;

import dev.nanowal.Wal;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import dev.nanowal.spring.boot.autoconfigure.NanoWalCompactor;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@link NanoWalEndpoint}; expose it with
 * {@code management.endpoints.web.exposure.include=nanowal}.
 */
@AutoConfiguration(after = NanoWalAutoConfiguration.class)
@ConditionalOnClass({ Wal.class, Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnSingleCandidate(Wal.class)
@ConditionalOnBean(NanoWalCompactor.class)
@ConditionalOnAvailableEndpoint(NanoWalEndpoint.class)
public final class NanoWalEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    NanoWalEndpoint nanoWalEndpoint(Wal wal, NanoWalCompactor compactor) {
        return new NanoWalEndpoint(wal, compactor);
    }
}
