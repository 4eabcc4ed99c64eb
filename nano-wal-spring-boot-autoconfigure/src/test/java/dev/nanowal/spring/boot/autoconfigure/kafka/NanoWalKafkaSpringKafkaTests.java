package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.nanowal.Wal;
import dev.nanowal.kafka.KafkaRelay;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.SslBundleSslEngineFactory;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslStoreBundle;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** With Spring Boot's Kafka support, the relay connects and configures its producer as the application does. */
class NanoWalKafkaSpringKafkaTests {

    @TempDir
    Path directory;

    /** With Spring Boot's Kafka auto-configuration. */
    private ApplicationContextRunner runner() {
        return withoutSpringKafka().withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class));
    }

    private ApplicationContextRunner withoutSpringKafka() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                    NanoWalAutoConfiguration.class, NanoWalKafkaAutoConfiguration.class,
                    NanoWalKafkaMetricsAutoConfiguration.class))
            .withPropertyValues("nanowal.directory=" + this.directory, "nanowal.compaction.enabled=false",
                    "nanowal.kafka.enabled=true", "nanowal.kafka.producer.max.block.ms=100");
    }

    @Test
    void forwardsToTheBrokerOfSpringKafkaBootstrapServersAndBindsTheProducersMetrics() {
        try (KafkaBroker broker = KafkaBroker.start("from-spring")) {
            runner().withPropertyValues("spring.kafka.bootstrap-servers=" + broker.bootstrapServers(),
                    "nanowal.kafka.producer.max.block.ms=10000")
                .run((context) -> {
                    assertThat(bootstrapServers(context.getBean(KafkaRelay.class)))
                        .isEqualTo(broker.bootstrapServers());
                    context.getBean(Wal.class).logEntry("from-spring", null, "e1".getBytes(StandardCharsets.UTF_8));
                    await().atMost(Duration.ofSeconds(60)).until(() -> broker.records("from-spring") == 1);
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                            registry.find("kafka.producer.record.send.total").functionCounter().count())
                        .isGreaterThanOrEqualTo(1));
                    // A restart brings a new producer; its meters replace those of the closed one.
                    context.stop();
                    assertThat(registry.find("kafka.producer.record.send.total").meters()).isEmpty();
                    context.start();
                    assertThat(registry.find("kafka.producer.record.send.total").meters()).hasSize(1);
                });
        }
    }

    @Test
    void nanowalKafkaBootstrapServersOverridesSpringKafka() {
        runner().withPropertyValues("spring.kafka.bootstrap-servers=localhost:9092",
                "nanowal.kafka.bootstrap-servers=127.0.0.1:9093,localhost:9094")
            .run((context) -> assertThat(bootstrapServers(context.getBean(KafkaRelay.class)))
                .isEqualTo("127.0.0.1:9093,localhost:9094"));
    }

    @Test
    void startsFromSpringKafkaProducerSettingsUnderNanowalKafkaProducerAndTheRelaysOwn() {
        runner().withPropertyValues("spring.kafka.bootstrap-servers=localhost:9092",
                "spring.kafka.producer.compression-type=lz4", "spring.kafka.producer.batch-size=32KB",
                "spring.kafka.producer.properties[transactional.id]=app-tx", "spring.kafka.producer.acks=1",
                "nanowal.kafka.producer.compression.type=zstd")
            .run((context) -> {
                Map<String, Object> producer = context.getBean(KafkaRelay.class).options().producerProperties();
                assertThat(producer).containsEntry("compression.type", "zstd")
                    .containsEntry("batch.size", 32 * 1024)
                    .doesNotContainKeys("transactional.id", "acks", "key.serializer", "value.serializer");
            });
    }

    @Test
    void usesTheConnectionDetailsOfAServiceConnectionWithItsSslBundle() {
        SslBundle bundle = SslBundle.of(SslStoreBundle.NONE);
        runner().withBean(KafkaConnectionDetails.class, () -> new KafkaConnectionDetails() {

            @Override
            public List<String> getBootstrapServers() {
                return List.of("localhost:9093");
            }

            @Override
            public SslBundle getSslBundle() {
                return bundle;
            }

        }).run((context) -> {
            Map<String, Object> producer = context.getBean(KafkaRelay.class).options().producerProperties();
            assertThat(producer).containsEntry("bootstrap.servers", "localhost:9093")
                .containsEntry("ssl.engine.factory.class", SslBundleSslEngineFactory.class)
                .containsEntry(SslBundle.class.getName(), bundle);
        });
    }

    @Test
    void withoutSpringBootsKafkaSupportTheRelayConnectsToLocalhost() {
        withoutSpringKafka().withClassLoader(new FilteredClassLoader(KafkaConnectionDetails.class)).run((context) -> {
                assertThat(context).doesNotHaveBean(SpringKafkaProducerProperties.class);
                assertThat(bootstrapServers(context.getBean(KafkaRelay.class))).isEqualTo("localhost:9092");
            });
    }

    private static Object bootstrapServers(KafkaRelay relay) {
        return relay.options().producerProperties().get("bootstrap.servers");
    }
}
