package dev.nanowal.sample;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The sample's own settings, prefix {@code sample}. A bad value stops start-up naming the property.
 *
 * @param messaging Partitioned messaging.
 */
@ConfigurationProperties("sample")
@Validated
public record SampleProperties(@DefaultValue @Valid Messaging messaging) {

    /**
     * Partitioned messaging.
     *
     * @param partitions Partitions of every topic, from 1 to 1024: a message goes to the one its key hashes to. Each
     *     partition is one WAL key, and with Kafka forwarding on, one partition of the Kafka topic.
     */
    public record Messaging(@DefaultValue("4") @Min(1) @Max(1024) int partitions) {
    }
}
