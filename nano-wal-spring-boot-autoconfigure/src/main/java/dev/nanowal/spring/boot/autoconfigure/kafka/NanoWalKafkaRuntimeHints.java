package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.util.List;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.util.ClassUtils;

/**
 * What a native image needs for the Kafka relay: the relay's {@code KafkaProducer} creates its serializers and its
 * default metrics reporter from their classes by reflection, and reads its version from a resource. nano-wal's own
 * code (core, relay, auto-configuration) uses no reflection; Spring registers the rest (the properties records, the
 * endpoint's responses, the failure analyzers in {@code spring.factories}).
 */
final class NanoWalKafkaRuntimeHints implements RuntimeHintsRegistrar {

    static final List<String> REFLECTIVELY_CREATED = List.of(
            "org.apache.kafka.common.serialization.ByteArraySerializer",
            "org.apache.kafka.common.metrics.JmxReporter");

    static final String VERSION_RESOURCE = "kafka/kafka-version.properties";

    @Override
    public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
        if (!ClassUtils.isPresent("org.apache.kafka.clients.producer.KafkaProducer", classLoader)) {
            return;
        }
        for (String type : REFLECTIVELY_CREATED) {
            hints.reflection().registerType(TypeReference.of(type), MemberCategory.INVOKE_PUBLIC_CONSTRUCTORS);
        }
        hints.resources().registerPattern(VERSION_RESOURCE);
    }
}
