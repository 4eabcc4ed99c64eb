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
 * @param bootstrapServers Kafka brokers to bootstrap from, host:port.
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
 * @param checkpointFile File keeping the relay's checkpoints. By default kafka-relay.checkpoints in the WAL
 *     directory.
 * @param checkpointInterval How often advanced checkpoints are written, from 1ms to 1h; sooner once max-in-flight
 *     entries were acknowledged since the last write. After a crash the entries acknowledged since the last write,
 *     and those in flight, are sent again.
 * @param maxInFlight Most entries sent to Kafka and not yet acknowledged, over all keys, from 1 to 1000000.
 * @param pollInterval Longest pause between two looks at the WAL when there is nothing to send, from 1ms to 1m.
 * @param retryBackoff First pause before a key resends after a failed send, from 1ms to 1h; it doubles up to
 *     max-retry-backoff.
 * @param maxRetryBackoff Longest pause between resends of a key, from 1ms to 1h.
 * @param maxLag Age after which compaction may delete entries the relay has not forwarded (counted from their
 *     write). Unset (the default) keeps them until they are forwarded. Each such deletion is logged at ERROR,
 *     counted and turns the health DOWN.
 * @param producer Further Kafka producer properties, such as security settings. The relay always uses an
 *     idempotent producer with acks=all.
 * @param health Thresholds of the nanowalKafka health indicator.
 */
@ConfigurationProperties("nanowal.kafka")
public record NanoWalKafkaProperties(@DefaultValue("false") boolean enabled,
        @DefaultValue("localhost:9092") List<String> bootstrapServers,
        @DefaultValue List<String> keys,
        String keyPattern,
        @DefaultValue("KEY") Mapping topicMapping,
        @DefaultValue("NONE") HeaderMapping headerMapping,
        @DefaultValue("STOP") PoisonPolicy poisonPolicy,
        @DefaultValue(KafkaRelayOptions.DEFAULT_DEAD_LETTER_KEY) String deadLetterKey,
        Path checkpointFile,
        @DefaultValue("500ms") Duration checkpointInterval,
        @DefaultValue("1000") int maxInFlight,
        @DefaultValue("50ms") Duration pollInterval,
        @DefaultValue("100ms") Duration retryBackoff,
        @DefaultValue("10s") Duration maxRetryBackoff,
        Duration maxLag,
        @DefaultValue Map<String, String> producer,
        @DefaultValue Health health) {

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

    /**
     * The relay options these properties describe.
     *
     * @throws InvalidConfigurationPropertyValueException naming the property whose value the relay rejected
     */
    public KafkaRelayOptions toRelayOptions() {
        KafkaRelayOptions.Builder builder = KafkaRelayOptions.builder()
            .topicMapping(topicMapping.mapping)
            .headerMapping(headerMapping)
            .poisonPolicy(poisonPolicy)
            .checkpointFile(checkpointFile);
        if (bootstrapServers.isEmpty()) {
            throw new InvalidConfigurationPropertyValueException("nanowal.kafka.bootstrap-servers", bootstrapServers,
                    "at least one host:port is required");
        }
        builder.bootstrapServers(String.join(",", bootstrapServers));
        producer.forEach((name, value) -> PropertyValues.set("nanowal.kafka.producer." + name, value,
                (checked) -> builder.producerProperty(name, checked)));
        PropertyValues.set("nanowal.kafka.keys", keys, (value) -> builder.keys(keySelector()));
        PropertyValues.set("nanowal.kafka.dead-letter-key", deadLetterKey, builder::deadLetterKey);
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
     * @param unreachableFor How long Kafka may leave sends unacknowledged before the health is DOWN. Must be
     *     positive.
     * @param maxLag Age of the oldest unforwarded entry above which the health is DOWN. Must be positive.
     */
    public record Health(@DefaultValue("1m") Duration unreachableFor, @DefaultValue("5m") Duration maxLag) {

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
}
