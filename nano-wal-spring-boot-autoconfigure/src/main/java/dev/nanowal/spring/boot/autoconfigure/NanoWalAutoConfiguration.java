package dev.nanowal.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Clock;

import dev.nanowal.Wal;
import dev.nanowal.WalOptions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of a nano-wal {@link Wal} bean and of its scheduled compaction.
 *
 * <p>The WAL uses the application's {@link Clock} bean when there is exactly one, the system UTC clock otherwise.
 */
@AutoConfiguration
@ConditionalOnClass(Wal.class)
@ConditionalOnBooleanProperty(name = "nanowal.enabled", matchIfMissing = true)
@EnableConfigurationProperties(NanoWalProperties.class)
public final class NanoWalAutoConfiguration {

    private static final Log logger = LogFactory.getLog(NanoWalAutoConfiguration.class);

    // close() keeps the data; Wal.shutdown() would delete it, so it must never be the destroy method.
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Wal nanoWal(NanoWalProperties properties, ObjectProvider<Clock> clock) {
        Path directory = properties.directory().toAbsolutePath().normalize();
        WalOptions options = properties.toWalOptions(clock.getIfUnique(Clock::systemUTC));
        logger.info("Opening nano-wal in " + directory + " with " + options);
        return Wal.open(directory, options);
    }

    @Bean
    @ConditionalOnMissingBean
    NanoWalCompactor nanoWalCompactor(Wal wal) {
        return new NanoWalCompactor(wal);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "nanowal.compaction.enabled", matchIfMissing = true)
    NanoWalCompactionScheduler nanoWalCompactionScheduler(NanoWalCompactor compactor, NanoWalProperties properties) {
        return new NanoWalCompactionScheduler(compactor, properties.compaction().interval());
    }
}
