package dev.nanowal.spring.boot.autoconfigure.kafka;

import dev.nanowal.Wal;
import dev.nanowal.kafka.KafkaRelay;
import dev.nanowal.kafka.KafkaRelayOptions;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
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
 * Auto-configuration of the store-and-forward relay from the {@link Wal} to Apache Kafka: active when
 * {@code nanowal.kafka.enabled=true} and kafka-clients and nano-wal-kafka are on the class path. The relay starts
 * and stops with the context (before the WAL closes), on a thread of its own.
 */
@AutoConfiguration(after = NanoWalAutoConfiguration.class)
@ConditionalOnClass(value = { Wal.class, KafkaRelay.class },
        name = "org.apache.kafka.clients.producer.KafkaProducer")
@ConditionalOnBooleanProperty("nanowal.kafka.enabled")
@ConditionalOnSingleCandidate(Wal.class)
@EnableConfigurationProperties(NanoWalKafkaProperties.class)
public final class NanoWalKafkaAutoConfiguration {

    private static final Log logger = LogFactory.getLog(NanoWalKafkaAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    KafkaRelay nanoWalKafkaRelay(Wal wal, NanoWalKafkaProperties properties,
            ObjectProvider<KafkaRelayOptionsCustomizer> customizers) {
        KafkaRelayOptions.Builder builder = properties.toRelayOptions().toBuilder();
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        var options = builder.build();
        logger.info("Forwarding nano-wal entries to Kafka at " + String.join(",", properties.bootstrapServers())
                + " with " + options);
        return new KafkaRelay(wal, options);
    }

    @Bean
    NanoWalKafkaRelayLifecycle nanoWalKafkaRelayLifecycle(KafkaRelay relay) {
        return new NanoWalKafkaRelayLifecycle(relay);
    }
}
