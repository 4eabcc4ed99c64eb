package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.util.HashMap;
import java.util.Map;

import dev.nanowal.Wal;
import dev.nanowal.kafka.KafkaRelay;
import dev.nanowal.kafka.KafkaRelayOptions;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SslConfigs;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.kafka.autoconfigure.SslBundleSslEngineFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * Auto-configuration of the store-and-forward relay from the {@link Wal} to Apache Kafka: active when
 * {@code nanowal.kafka.enabled=true} and kafka-clients and nano-wal-kafka are on the class path. The relay starts
 * and stops with the context (before the WAL closes), on a thread of its own.
 *
 * <p>With Spring Boot's Kafka support (spring-boot-kafka) the relay's producer starts from the application's:
 * {@link KafkaProperties#buildProducerProperties()} and the {@link KafkaConnectionDetails} (bootstrap servers,
 * security protocol, SSL bundle; what {@code @ServiceConnection} fills in). Then come
 * {@code nanowal.kafka.producer.*} and {@code nanowal.kafka.bootstrap-servers}, then the
 * {@link KafkaRelayOptionsCustomizer} beans, in order, and last the settings the relay enforces (an idempotent
 * producer, {@code acks=all}, byte-array serializers).
 */
@AutoConfiguration(after = NanoWalAutoConfiguration.class,
        afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
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
            ObjectProvider<SpringKafkaProducerProperties> springKafka,
            ObjectProvider<KafkaRelayOptionsCustomizer> customizers) {
        SpringKafkaProducerProperties base = springKafka.getIfAvailable();
        KafkaRelayOptions.Builder builder = properties
            .toRelayOptions((base != null) ? base.properties() : Map.of())
            .toBuilder();
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        KafkaRelayOptions options = builder.build();
        logger.info("Forwarding nano-wal entries to Kafka at "
                + options.producerProperties().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                + ((base != null) ? " (producer settings from spring.kafka.*, then nanowal.kafka.*)" : "") + " with "
                + options);
        return new KafkaRelay(wal, options);
    }

    @Bean
    NanoWalKafkaRelayLifecycle nanoWalKafkaRelayLifecycle(KafkaRelay relay) {
        return new NanoWalKafkaRelayLifecycle(relay);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(KafkaConnectionDetails.class)
    @ConditionalOnBean({ KafkaConnectionDetails.class, KafkaProperties.class })
    static class SpringKafkaConfiguration {

        /** What Spring Boot's own producer factory is given, less the serializers the relay replaces anyway. */
        @Bean
        SpringKafkaProducerProperties nanoWalSpringKafkaProducerProperties(KafkaProperties kafka,
                KafkaConnectionDetails connectionDetails) {
            Map<String, Object> properties = new HashMap<>(kafka.buildProducerProperties());
            KafkaConnectionDetails.Configuration producer = connectionDetails.getProducer();
            properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", producer.getBootstrapServers()));
            if (StringUtils.hasLength(producer.getSecurityProtocol())) {
                properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, producer.getSecurityProtocol());
            }
            SslBundle sslBundle = producer.getSslBundle();
            if (sslBundle != null) {
                // As Spring Boot's producer factory does: the engine factory finds the bundle under this name.
                properties.put(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, SslBundleSslEngineFactory.class);
                properties.put(SslBundle.class.getName(), sslBundle);
            }
            properties.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
            properties.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
            return new SpringKafkaProducerProperties(properties);
        }
    }
}
