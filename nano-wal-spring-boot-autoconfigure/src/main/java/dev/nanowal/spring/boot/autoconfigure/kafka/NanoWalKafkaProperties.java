package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import dev.nanowal.kafka.HeaderMapping;
import dev.nanowal.kafka.KafkaRelayOptions;
import dev.nanowal.kafka.KeySelector;
import dev.nanowal.kafka.PoisonPolicy;
import dev.nanowal.kafka.TopicMapping;
import dev.nanowal.spring.boot.autoconfigure.PropertyValues;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.producer.ProducerConfig;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Configuration of the store-and-forward relay from the WAL to Apache Kafka, prefix {@code nanowal.kafka}.
 *
 * <p>A bad value stops start-up with a message naming the {@code nanowal.kafka.*} property and the allowed range
 * (the ranges are the relay's own, checked by {@link KafkaRelayOptions.Builder}).
 *
 * @param enabled Whether to forward WAL entries to Kafka. Needs kafka-clients on the class path.
 * @param bootstrapServers Kafka brokers to bootstrap from, host:port, for the relay only. Unset (the default), the
 *     relay connects where Spring Boot's Kafka support does (spring.kafka.bootstrap-servers, or a service
 *     connection), or to localhost:9092 without spring-boot-kafka on the class path.
 * @param keys WAL keys to forward. Empty (the default) forwards every key except the reserved ones starting with
 *     two underscores, or those matching key-pattern.
 * @param keyPattern Regular expression a whole WAL key must match to be forwarded (reserved keys starting with two
 *     underscores never are). Not together with keys.
 * @param topicMapping How a WAL key names its Kafka destination: KEY (the key is the topic) or TOPIC_PARTITION
 *     (a key topic-N goes to partition N of topic).
 * @param headerMapping What becomes of an entry's header: NONE, RECORD_KEY (the Kafka record key) or KAFKA_HEADER
 *     (a Kafka header named nanowal-header).
 * @param poisonPolicy What to do with an entry Kafka refuses for good (too large, topic invalid or not authorized):
 *     STOP the key, SKIP_AND_LOG it, or DEAD_LETTER it (append it to the dead-letter key).
 * @param deadLetterKey WAL key that refused entries are appended to under the DEAD_LETTER policy.
 * @param checkpointFile File where a relay before core cursors kept its checkpoints, moved onto the relay's cursors
 *     (named kafka-relay, one per forwarded key) once and then deleted. By default kafka-relay.checkpoints in the
 *     WAL directory.
 * @param cursorName Name of the WAL cursors holding the relay's checkpoints, one per forwarded key: 1 to 64
 *     letters, digits, '.', '_' or '-'. Two relays on one WAL need two names; a new name starts from the oldest
 *     entry held.
 * @param checkpointInterval How often advanced checkpoints are committed to the relay's cursors (one fsynced file
 *     per key whose checkpoint moved), from 1ms to 1h; sooner once max-in-flight
 *     entries were acknowledged since the last write. After a crash the entries acknowledged since the last write,
 *     and those in flight, are sent again.
 * @param maxInFlight Most entries sent to Kafka and not yet acknowledged, over all keys, from 1 to 1000000.
 * @param pollInterval Longest wait of an idle relay, from 1ms to 1m: an append to any key, a Kafka answer and a due
 *     checkpoint write or resend end it sooner, so this is only the backstop for a missed wake-up (and how often an
 *     idle relay refreshes its lag).
 * @param retryBackoff First pause before a key resends after a failed send, from 1ms to 1h; it doubles up to
 *     max-retry-backoff.
 * @param maxRetryBackoff Longest pause between resends of a key, from 1ms to 1h.
 * @param maxLag Age after which compaction may delete entries the relay has not forwarded (counted from their
 *     write). Unset (the default) keeps them until they are forwarded. Each such deletion is logged at ERROR,
 *     counted and turns the health DOWN.
 * @param producer Kafka producer properties for the relay only, over those of spring.kafka.* (which it starts
 *     from, SSL bundle included). The relay always uses an idempotent producer with acks=all.
 * @param health Thresholds of the nanowalKafka health indicator.
 * @param metrics Meters of the relay.
 */
@ConfigurationProperties("nanowal.kafka")
public record NanoWalKafkaProperties(@DefaultValue("false") boolean enabled,
        List<String> bootstrapServers,
        @DefaultValue List<String> keys,
        String keyPattern,
        @DefaultValue("KEY") Mapping topicMapping,
        @DefaultValue("NONE") HeaderMapping headerMapping,
        @DefaultValue("STOP") PoisonPolicy poisonPolicy,
        @DefaultValue(KafkaRelayOptions.DEFAULT_DEAD_LETTER_KEY) String deadLetterKey,
        Path checkpointFile,
        @DefaultValue(KafkaRelayOptions.DEFAULT_CURSOR_NAME) String cursorName,
        @DefaultValue("500ms") Duration checkpointInterval,
        @DefaultValue("1000") int maxInFlight,
        @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("100ms") Duration retryBackoff,
        @DefaultValue("10s") Duration maxRetryBackoff,
        Duration maxLag,
        @DefaultValue Map<String, String> producer,
        @DefaultValue Health health,
        @DefaultValue Metrics metrics) {

    /** How a WAL key names its Kafka destination. */
    public enum Mapping {

        /** The WAL key is the topic name. */
        KEY(TopicMapping.KEY_AS_TOPIC),

        /** A key {@code <topic>-<partition>} goes to that partition of that topic. */
        TOPIC_PARTITION(TopicMapping.TOPIC_PARTITION);

        private final TopicMapping mapping;

        Mapping(TopicMapping mapping) {
            this.mapping = mapping;
        }
    }

    private static final Log logger = LogFactory.getLog(NanoWalKafkaProperties.class);

    /** Where the relay connects when nothing else says: Kafka's own default. */
    static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

    /**
     * The relay options these properties describe, on their own (without Spring Boot's Kafka support).
     *
     * @throws InvalidConfigurationPropertyValueException naming the property whose value the relay rejected
     */
    public KafkaRelayOptions toRelayOptions() {
        return toRelayOptions(Map.of());
    }

    /**
     * The relay options these properties describe, over a base of producer properties: those of Spring Boot's
     * Kafka support, say. A base property that would break the relay's guarantees (acks=1, a transactional id) is
     * left out and logged; the relay's own settings are applied over everything.
     *
     * @param baseProducerProperties producer properties the relay starts from
     * @throws InvalidConfigurationPropertyValueException naming the property whose value the relay rejected
     */
    public KafkaRelayOptions toRelayOptions(Map<String, ?> baseProducerProperties) {
        KafkaRelayOptions.Builder builder = KafkaRelayOptions.builder()
            .topicMapping(topicMapping.mapping)
            .headerMapping(headerMapping)
            .poisonPolicy(poisonPolicy)
            .checkpointFile(checkpointFile);
        baseProducerProperties.forEach((name, value) -> inherit(builder, name, value));
        producer.forEach((name, value) -> PropertyValues.set("nanowal.kafka.producer." + name, value,
                (checked) -> builder.producerProperty(name, checked)));
        if (bootstrapServers != null) {
            if (bootstrapServers.isEmpty()) {
                throw new InvalidConfigurationPropertyValueException("nanowal.kafka.bootstrap-servers",
                        bootstrapServers, "at least one host:port is required");
            }
            builder.bootstrapServers(String.join(",", bootstrapServers));
        }
        else if (!baseProducerProperties.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                && !producer.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            builder.bootstrapServers(DEFAULT_BOOTSTRAP_SERVERS);
        }
        PropertyValues.set("nanowal.kafka.keys", keys, (value) -> builder.keys(keySelector()));
        PropertyValues.set("nanowal.kafka.dead-letter-key", deadLetterKey, builder::deadLetterKey);
        PropertyValues.set("nanowal.kafka.cursor-name", cursorName, builder::cursorName);
        PropertyValues.set("nanowal.kafka.checkpoint-interval", checkpointInterval, builder::checkpointInterval);
        PropertyValues.set("nanowal.kafka.max-in-flight", maxInFlight, builder::maxInFlight);
        PropertyValues.set("nanowal.kafka.poll-interval", pollInterval, builder::pollInterval);
        PropertyValues.set("nanowal.kafka.retry-backoff", retryBackoff, builder::retryBackoff);
        PropertyValues.set("nanowal.kafka.max-retry-backoff", maxRetryBackoff, builder::maxRetryBackoff);
        if (maxLag != null) {
            PropertyValues.set("nanowal.kafka.max-lag", maxLag, builder::maxLag);
        }
        try {
            return builder.build();
        }
        catch (IllegalArgumentException ex) {
            // The only check left is the combination of the two back-offs.
            throw new InvalidConfigurationPropertyValueException("nanowal.kafka.max-retry-backoff", maxRetryBackoff,
                    ex.getMessage());
        }
    }

    private static void inherit(KafkaRelayOptions.Builder builder, String name, Object value) {
        try {
            builder.producerProperty(name, value);
        }
        catch (IllegalArgumentException ex) {
            // Right for the application's own producers, wrong for the relay's: not an error in the configuration.
            logger.warn("The nano-wal Kafka relay does not use the producer setting " + name + "=" + value
                    + " of spring.kafka.*: " + ex.getMessage());
        }
    }

    private KeySelector keySelector() {
        if (!keys.isEmpty() && keyPattern != null) {
            throw new InvalidConfigurationPropertyValueException("nanowal.kafka.key-pattern", keyPattern,
                    "set either nanowal.kafka.keys or nanowal.kafka.key-pattern, not both");
        }
        if (!keys.isEmpty()) {
            return KeySelector.of(keys);
        }
        if (keyPattern == null) {
            return KeySelector.all();
        }
        try {
            return KeySelector.matching(Pattern.compile(keyPattern));
        }
        catch (PatternSyntaxException ex) {
            throw new InvalidConfigurationPropertyValueException("nanowal.kafka.key-pattern", keyPattern,
                    "not a regular expression: " + ex.getDescription());
        }
    }

    /**
     * Thresholds of the nanowalKafka health indicator.
     *
     * @param unreachableFor How long Kafka may leave sends unacknowledged before the health is OUTAGE. Must be
     *     positive.
     * @param maxLag Age of the oldest unforwarded entry above which the health is OUTAGE. Must be positive.
     * @param failOnOutage Whether an outage (Kafka unreachable, lag over max-lag, a key stopped at a refused
     *     entry) makes the health DOWN instead of OUTAGE. OUTAGE is not mapped to HTTP 503 and leaves the overall
     *     status alone, as store-and-forward is meant to ride out an outage.
     */
    public record Health(@DefaultValue("1m") Duration unreachableFor, @DefaultValue("5m") Duration maxLag,
            @DefaultValue("false") boolean failOnOutage) {

        public Health {
            positive("nanowal.kafka.health.unreachable-for", unreachableFor);
            positive("nanowal.kafka.health.max-lag", maxLag);
        }

        private static void positive(String property, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new InvalidConfigurationPropertyValueException(property, value, "must be positive");
            }
        }
    }

    /**
     * Meters of the relay.
     *
     * @param perKey Gauges per forwarded key, on top of the totals over all keys.
     */
    public record Metrics(@DefaultValue PerKey perKey) {

        /**
         * Gauges per forwarded key (tag key): entries behind and the age of the oldest unforwarded entry.
         *
         * @param enabled Whether to add gauges per key. Each key becomes a time series of its own in the
         *     monitoring system, so they are off by default; nanowal.kafka.lag.entries and nanowal.kafka.lag.age
         *     cover every key either way.
         * @param maxKeys For how many keys at most to add gauges, from 1 to 100000; later keys get none (logged
         *     once). A key's gauges are removed when compaction leaves it without entries.
         */
        public record PerKey(@DefaultValue("false") boolean enabled, @DefaultValue("100") int maxKeys) {

            /** The most keys that may get gauges of their own. */
            static final int MAX_KEYS_LIMIT = 100_000;

            public PerKey {
                if (maxKeys < 1 || maxKeys > MAX_KEYS_LIMIT) {
                    throw new InvalidConfigurationPropertyValueException("nanowal.kafka.metrics.per-key.max-keys",
                            maxKeys, "must be between 1 and " + MAX_KEYS_LIMIT);
                }
            }

            /** For how many keys to add gauges: 0 when per-key gauges are off. */
            int gaugedKeys() {
                return this.enabled ? this.maxKeys : 0;
            }
        }
    }
}
