package dev.nanowal.spring.boot.autoconfigure.kafka;

import dev.nanowal.kafka.KafkaRelayOptions;

/**
 * Changes the options of the auto-configured Kafka relay beyond what the {@code nanowal.kafka.*} properties set (a
 * {@code TopicMapping} of your own, say). Every customizer bean is applied, in
 * {@link org.springframework.core.annotation.Order @Order} (or {@link org.springframework.core.Ordered}) order, to a
 * builder that already holds the properties; a setting the relay refuses fails start-up with its message.
 */
@FunctionalInterface
public interface KafkaRelayOptionsCustomizer {

    /**
     * Customizes the options before the relay is created.
     *
     * @param builder the options as the properties set them
     */
    void customize(KafkaRelayOptions.Builder builder);
}
