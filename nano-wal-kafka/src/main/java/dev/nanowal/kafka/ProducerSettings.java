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

    static Map<String, Object> of(Map<String, Object> given) {
        refuseUnless(given, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        refuseUnless(given, ProducerConfig.ACKS_CONFIG, "all", "-1");
        if (given.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
            throw new IllegalArgumentException("Producer property " + ProducerConfig.TRANSACTIONAL_ID_CONFIG
                    + " is not supported: the relay publishes at least once with an idempotent producer");
        }
        Object inFlight = given.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        if (inFlight != null && Integer.parseInt(inFlight.toString().trim()) > MAX_IN_FLIGHT_REQUESTS) {
            throw new IllegalArgumentException("Producer property "
                    + ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION + " must be at most "
                    + MAX_IN_FLIGHT_REQUESTS + " (more could reorder records on retry), was " + inFlight);
        }
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

    private static void refuseUnless(Map<String, Object> given, String name, String... allowed) {
        Object value = given.get(name);
        if (value == null) {
            return;
        }
        for (String ok : allowed) {
            if (ok.equalsIgnoreCase(value.toString().trim())) {
                return;
            }
        }
        throw new IllegalArgumentException("Producer property " + name + " must be " + allowed[0]
                + " for the relay's guarantees, was " + value);
    }
}
