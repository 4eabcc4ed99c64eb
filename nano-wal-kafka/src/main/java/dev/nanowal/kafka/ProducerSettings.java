package dev.nanowal.kafka;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The producer configuration the relay runs with: the user's settings plus what its guarantees need. */
final class ProducerSettings {

    /** Idempotence keeps a partition's records in order across retries only up to this many requests in flight. */
    private static final int MAX_IN_FLIGHT_REQUESTS = 5;

    private ProducerSettings() {
    }

    /**
     * Refuses a setting that would break the relay's guarantees.
     *
     * @throws IllegalArgumentException naming the setting and what it must be
     */
    static void check(String name, Object value) {
        switch (name) {
            case ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG -> refuseUnless(name, value, "true");
            case ProducerConfig.ACKS_CONFIG -> refuseUnless(name, value, "all", "-1");
            case ProducerConfig.TRANSACTIONAL_ID_CONFIG -> throw new IllegalArgumentException("Producer property "
                    + name + " is not supported: the relay publishes at least once with an idempotent producer");
            case ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION -> {
                if (Integer.parseInt(value.toString().trim()) > MAX_IN_FLIGHT_REQUESTS) {
                    throw new IllegalArgumentException("Producer property " + name + " must be at most "
                            + MAX_IN_FLIGHT_REQUESTS + " (more could reorder records on retry), was " + value);
                }
            }
            default -> {
            }
        }
    }

    static Map<String, Object> of(Map<String, Object> given) {
        given.forEach(ProducerSettings::check);
        Map<String, Object> settings = new HashMap<>();
        // Retry until Kafka takes the record: the producer then keeps a partition's records in order by itself.
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        // A send blocks the relay thread (never an appender) while metadata is missing; then it is retried.
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        settings.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        settings.putAll(given);
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return settings;
    }

    private static void refuseUnless(String name, Object value, String... allowed) {
        for (String ok : allowed) {
            if (ok.equalsIgnoreCase(value.toString().trim())) {
                return;
            }
        }
        throw new IllegalArgumentException("Producer property " + name + " must be " + allowed[0]
                + " for the relay's guarantees, was " + value);
    }
}
