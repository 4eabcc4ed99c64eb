package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The metadata the configuration processor wrote from {@link NanoWalKafkaProperties}, as an IDE reads it. */
class KafkaConfigurationMetadataTests {

    /**
     * Unset by default on purpose: they mean "where Spring Boot's Kafka support connects", "in the WAL directory",
     * "every key" and "never".
     */
    private static final List<String> WITHOUT_DEFAULT = List.of("nanowal.kafka.bootstrap-servers",
            "nanowal.kafka.checkpoint-file",
            "nanowal.kafka.key-pattern", "nanowal.kafka.max-lag", "nanowal.kafka.keys", "nanowal.kafka.producer");

    @Test
    void everyPropertyHasADescriptionAndADefaultUnlessUnsetMeansSomething() throws IOException {
        List<Map<String, Object>> properties;
        try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            properties = JsonPath.parse(metadata).read("$.properties[?(@.name =~ /nanowal\\.kafka\\..*/)]");
        }
        assertThat(properties).extracting((property) -> property.get("name"))
            .contains("nanowal.kafka.enabled", "nanowal.kafka.bootstrap-servers", "nanowal.kafka.poison-policy",
                    "nanowal.kafka.health.unreachable-for", "nanowal.kafka.health.max-lag",
                    "nanowal.kafka.health.fail-on-outage", "nanowal.kafka.metrics.per-key.enabled",
                    "nanowal.kafka.metrics.per-key.max-keys")
            .hasSize(22);
        assertThat(properties).allSatisfy((property) -> {
            assertThat((String) property.get("description")).as("description of %s", property.get("name"))
                .isNotBlank()
                .endsWith(".");
            if (!WITHOUT_DEFAULT.contains(property.get("name"))) {
                assertThat(property.get("defaultValue")).as("default of %s", property.get("name")).isNotNull();
            }
        });
    }
}
