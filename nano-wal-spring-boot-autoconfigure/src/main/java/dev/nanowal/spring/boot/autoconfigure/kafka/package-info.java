/**
 * Auto-configuration of the store-and-forward relay to Apache Kafka: the relay and its lifecycle, the connection
 * taken from Spring Boot's Kafka support, the {@code nanowalKafka} health indicator and the relay's meters.
 */
package dev.nanowal.spring.boot.autoconfigure.kafka;
