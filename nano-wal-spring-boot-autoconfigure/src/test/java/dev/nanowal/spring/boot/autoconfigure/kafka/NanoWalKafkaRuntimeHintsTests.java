package dev.nanowal.spring.boot.autoconfigure.kafka;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

class NanoWalKafkaRuntimeHintsTests {

    @Test
    void theProducersReflectivelyCreatedClassesAndItsVersionResource() {
        RuntimeHints hints = new RuntimeHints();
        new NanoWalKafkaRuntimeHints().registerHints(hints, getClass().getClassLoader());
        for (Class<?> type : new Class<?>[] { ByteArraySerializer.class, JmxReporter.class }) {
            assertThat(RuntimeHintsPredicates.reflection()
                .onType(type)
                .withMemberCategory(MemberCategory.INVOKE_PUBLIC_CONSTRUCTORS)).as(type.getName()).accepts(hints);
        }
        assertThat(RuntimeHintsPredicates.resource().forResource("kafka/kafka-version.properties")).accepts(hints);
        // The resource is where the producer looks for it, so the hint names a file that exists.
        assertThat(KafkaProducer.class.getClassLoader().getResource("kafka/kafka-version.properties")).isNotNull();
    }

    @Test
    void nothingWithoutTheKafkaClient() {
        RuntimeHints hints = new RuntimeHints();
        new NanoWalKafkaRuntimeHints().registerHints(hints, new FilteredClassLoader(KafkaProducer.class));
        assertThat(hints.reflection().typeHints()).isEmpty();
        assertThat(hints.resources().resourcePatternHints()).isEmpty();
    }

    @Test
    void registeredForSpringAot() {
        assertThat(SpringFactoriesLoader.forResourceLocation("META-INF/spring/aot.factories")
            .load(RuntimeHintsRegistrar.class)).hasAtLeastOneElementOfType(NanoWalKafkaRuntimeHints.class);
    }
}
