package dev.nanowal.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import dev.nanowal.Wal;
import dev.nanowal.WalListener;
import dev.nanowal.WalOptions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of a nano-wal {@link Wal} bean and of its scheduled compaction.
 *
 * <p>The WAL uses the application's {@link Clock} bean when there is exactly one (or a primary one), the system UTC
 * clock otherwise. Its options are the {@code nanowal.*} properties, then every {@link NanoWalOptionsCustomizer} in
 * order. Every {@link WalListener} bean is registered on it once it is open (so it hears no recovery done by the
 * open itself: the core logs those). Compaction, health, metrics, the endpoint and the Kafka relay attach to the
 * single {@code Wal} (or the primary one), and back off when there are several.
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
    Wal nanoWal(NanoWalProperties properties, ObjectProvider<Clock> clock,
            ObjectProvider<NanoWalOptionsCustomizer> customizers, ObjectProvider<WalListener> listeners) {
        Path directory = properties.directory().toAbsolutePath().normalize();
        // The properties are checked on their own first, so a bad value is reported under its property's name.
        WalOptions.Builder builder = properties.toWalOptions(clock.getIfUnique(Clock::systemUTC)).toBuilder();
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        WalOptions options = builder.build();
        // Resolved before the open: a listener bean that fails to be created must not leave the directory locked.
        List<WalListener> resolvedListeners = listeners.orderedStream().toList();
        logger.info("Opening nano-wal in " + directory + " with " + options);
        Wal wal = Wal.open(directory, options);
        resolvedListeners.forEach(wal::addListener);
        return wal;
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(Wal.class)
    NanoWalCompactor nanoWalCompactor(Wal wal) {
        return new NanoWalCompactor(wal);
    }

    @Bean
    @ConditionalOnSingleCandidate(Wal.class)
    @ConditionalOnBooleanProperty(name = "nanowal.compaction.enabled", matchIfMissing = true)
    NanoWalCompactionScheduler nanoWalCompactionScheduler(NanoWalCompactor compactor, NanoWalProperties properties) {
        return new NanoWalCompactionScheduler(compactor, properties.compaction().interval());
    }
}
