package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.util.Map;

/**
 * The producer properties of Spring Boot's Kafka support ({@code spring.kafka.*} with the connection details, SSL
 * bundle included), which the relay starts from. A type of its own so that the relay's bean never names a class of
 * spring-boot-kafka, which may be missing.
 *
 * @param properties the producer properties
 */
record SpringKafkaProducerProperties(Map<String, Object> properties) {

    SpringKafkaProducerProperties {
        properties = Map.copyOf(properties);
    }
}
