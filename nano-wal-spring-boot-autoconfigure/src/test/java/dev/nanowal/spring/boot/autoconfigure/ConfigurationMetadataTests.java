package dev.nanowal.spring.boot.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The metadata the configuration processor wrote from {@link NanoWalProperties}, as an IDE reads it. */
class ConfigurationMetadataTests {

    private static final List<String> PROPERTIES = List.of("nanowal.enabled", "nanowal.directory",
            "nanowal.entry-retention", "nanowal.segments-per-retention-period", "nanowal.max-segment-size",
            "nanowal.max-open-files", "nanowal.write-buffer-size", "nanowal.sync-threads",
            "nanowal.background-sync-size", "nanowal.repair-corrupt-tail",
            "nanowal.compaction.enabled", "nanowal.compaction.interval", "nanowal.health.min-free-disk",
            "nanowal.health.max-fsync-latency", "nanowal.health.fsync-latency-window", "nanowal.journal.enabled",
            "nanowal.journal.file-size", "nanowal.journal.checkpoint-interval", "nanowal.metrics.cursors");

    @Test
    void everyPropertyHasADescriptionAndADefault() throws IOException {
        List<Map<String, Object>> properties;
        try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(metadata).as("generated metadata").isNotNull();
            // nanowal.kafka.* has a test of its own
            properties = JsonPath.parse(metadata).read("$.properties[?(@.name =~ /nanowal\\.(?!kafka\\.).*/)]");
        }
        assertThat(properties).extracting((property) -> property.get("name"))
            .containsExactlyInAnyOrderElementsOf(PROPERTIES);
        assertThat(properties).allSatisfy((property) -> {
            assertThat((String) property.get("description")).as("description of %s", property.get("name"))
                .isNotBlank()
                .endsWith(".");
            assertThat(property.get("defaultValue")).as("default of %s", property.get("name")).isNotNull();
        });
    }
}
