package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.nio.file.Path;

import dev.nanowal.kafka.KafkaRelay;
import dev.nanowal.kafka.KafkaRelayOptions;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link KafkaRelayOptionsCustomizer} beans shape the relay's options after the properties, in order. */
@ExtendWith(OutputCaptureExtension.class)
class KafkaRelayOptionsCustomizerTests {

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(NanoWalAutoConfiguration.class, NanoWalKafkaAutoConfiguration.class))
            // Nothing is appended, so the relay sends nothing: no broker is needed.
            .withPropertyValues("nanowal.directory=" + this.directory, "nanowal.compaction.enabled=false",
                    "nanowal.kafka.enabled=true", "nanowal.kafka.bootstrap-servers=localhost:9",
                    "nanowal.kafka.max-in-flight=3");
    }

    @Test
    void customizersRunInOrderAndTheRelayGetsTheResult(CapturedOutput output) {
        runner().withUserConfiguration(OrderedCustomizers.class).run((context) -> {
            assertThat(context).hasSingleBean(KafkaRelay.class);
            OrderedCustomizers customizers = context.getBean(OrderedCustomizers.class);
            assertThat(customizers.seenByFirst.maxInFlight()).isEqualTo(3);
            assertThat(customizers.seenBySecond.maxInFlight()).isEqualTo(5);
            assertThat(customizers.seenBySecond.producerProperties()).containsEntry("bootstrap.servers", "localhost:9");
            // The options the relay was created with, as its auto-configuration logs them.
            assertThat(output).contains("Forwarding nano-wal entries to Kafka at localhost:9 with KafkaRelayOptions[")
                .contains("maxInFlight=7");
        });
    }

    @Test
    void aSettingTheRelayRefusesFailsStartUpWithItsMessage() {
        runner().withBean(KafkaRelayOptionsCustomizer.class, () -> (builder) -> builder.producerProperty("acks", "1"))
            .run((context) -> assertThat(context).getFailure()
                .rootCause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("acks"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OrderedCustomizers {

        KafkaRelayOptions seenByFirst;

        KafkaRelayOptions seenBySecond;

        @Bean
        @Order(2)
        KafkaRelayOptionsCustomizer second() {
            return (builder) -> {
                this.seenBySecond = builder.build();
                builder.maxInFlight(7);
            };
        }

        @Bean
        @Order(1)
        KafkaRelayOptionsCustomizer first() {
            return (builder) -> {
                this.seenByFirst = builder.build();
                builder.maxInFlight(5);
            };
        }
    }
}
