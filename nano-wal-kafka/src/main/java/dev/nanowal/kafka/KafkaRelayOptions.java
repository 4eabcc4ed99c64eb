package dev.nanowal.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import dev.nanowal.EntryRef;

/**
 * How a {@link KafkaRelay} forwards: which keys, where to, what to do with refused entries, and its limits.
 * Built with {@link #builder()}; a bad value fails in the builder, naming the setting and the allowed range.
 */
public final class KafkaRelayOptions {

    /** The default dead-letter key (see {@link PoisonPolicy#DEAD_LETTER}). */
    public static final String DEFAULT_DEAD_LETTER_KEY = "__relay-dead-letters";

    /**
     * The default name of the checkpoint file that relays before core cursors kept in the WAL's directory; a relay
     * moves it onto its cursors once, then deletes it.
     */
    public static final String DEFAULT_CHECKPOINT_FILE_NAME = "kafka-relay.checkpoints";

    /** The default name of the relay's cursors (one per forwarded key, see {@link dev.nanowal.Wal#cursor}). */
    public static final String DEFAULT_CURSOR_NAME = "kafka-relay";

    /** What {@link dev.nanowal.Wal#cursor} takes as a name, checked here so a bad one fails in the builder. */
    private static final Pattern CURSOR_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** The most sends the relay may have waiting for Kafka at once. */
    public static final int MAX_IN_FLIGHT_LIMIT = 1_000_000;

    private final Map<String, Object> producerProperties;

    private final KeySelector keys;

    private final TopicMapping topicMapping;

    private final HeaderMapping headerMapping;

    private final PoisonPolicy poisonPolicy;

    private final String deadLetterKey;

    private final Path checkpointFile;

    private final String cursorName;

    private final Duration checkpointInterval;

    private final int maxInFlight;

    private final Duration pollInterval;

    private final Duration retryBackoff;

    private final Duration maxRetryBackoff;

    private final Duration maxLag;

    private KafkaRelayOptions(Builder builder) {
        producerProperties = Map.copyOf(builder.producerProperties);
        keys = builder.keys;
        topicMapping = builder.topicMapping;
        headerMapping = builder.headerMapping;
        poisonPolicy = builder.poisonPolicy;
        deadLetterKey = builder.deadLetterKey;
        checkpointFile = builder.checkpointFile;
        cursorName = builder.cursorName;
        checkpointInterval = builder.checkpointInterval;
        maxInFlight = builder.maxInFlight;
        pollInterval = builder.pollInterval;
        retryBackoff = builder.retryBackoff;
        maxRetryBackoff = builder.maxRetryBackoff;
        maxLag = builder.maxLag;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these options, to change some of them. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.producerProperties.putAll(producerProperties);
        builder.keys = keys;
        builder.topicMapping = topicMapping;
        builder.headerMapping = headerMapping;
        builder.poisonPolicy = poisonPolicy;
        builder.deadLetterKey = deadLetterKey;
        builder.checkpointFile = checkpointFile;
        builder.cursorName = cursorName;
        builder.checkpointInterval = checkpointInterval;
        builder.maxInFlight = maxInFlight;
        builder.pollInterval = pollInterval;
        builder.retryBackoff = retryBackoff;
        builder.maxRetryBackoff = maxRetryBackoff;
        builder.maxLag = maxLag;
        return builder;
    }

    /** Kafka producer settings as given; the relay adds the ones it needs (see {@link Builder#producerProperty}). */
    public Map<String, Object> producerProperties() {
        return producerProperties;
    }

    public KeySelector keys() {
        return keys;
    }

    public TopicMapping topicMapping() {
        return topicMapping;
    }

    public HeaderMapping headerMapping() {
        return headerMapping;
    }

    public PoisonPolicy poisonPolicy() {
        return poisonPolicy;
    }

    public String deadLetterKey() {
        return deadLetterKey;
    }

    /**
     * The checkpoint file of a relay before core cursors, moved onto the cursors once; {@code null} for
     * {@value #DEFAULT_CHECKPOINT_FILE_NAME} in the WAL's directory.
     */
    public Path checkpointFile() {
        return checkpointFile;
    }

    /** The name of the cursors holding the checkpoints. */
    public String cursorName() {
        return cursorName;
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    public Duration retryBackoff() {
        return retryBackoff;
    }

    public Duration maxRetryBackoff() {
        return maxRetryBackoff;
    }

    /** The maximum lag, or {@code null} when compaction never deletes unforwarded entries. */
    public Duration maxLag() {
        return maxLag;
    }

    @Override
    public String toString() {
        return "KafkaRelayOptions[" + keys + ", poisonPolicy=" + poisonPolicy + ", headerMapping=" + headerMapping
                + ", maxInFlight=" + maxInFlight + ", maxLag=" + maxLag + "]";
    }

    public static final class Builder {

        private final Map<String, Object> producerProperties = new LinkedHashMap<>();

        private KeySelector keys = KeySelector.all();

        private TopicMapping topicMapping = TopicMapping.KEY_AS_TOPIC;

        private HeaderMapping headerMapping = HeaderMapping.NONE;

        private PoisonPolicy poisonPolicy = PoisonPolicy.STOP;

        private String deadLetterKey = DEFAULT_DEAD_LETTER_KEY;

        private Path checkpointFile;

        private String cursorName = DEFAULT_CURSOR_NAME;

        private Duration checkpointInterval = Duration.ofMillis(500);

        private int maxInFlight = 1000;

        private Duration pollInterval = Duration.ofSeconds(1);

        private Duration retryBackoff = Duration.ofMillis(100);

        private Duration maxRetryBackoff = Duration.ofSeconds(10);

        private Duration maxLag;

        private Builder() {
        }

        /** The Kafka brokers to bootstrap from, {@code host:port[,host:port...]}. Required. */
        public Builder bootstrapServers(String bootstrapServers) {
            return producerProperty("bootstrap.servers", bootstrapServers);
        }

        /**
         * A Kafka producer setting. The relay always sets byte-array serializers, {@code enable.idempotence=true},
         * {@code acks=all}; and, unless given here, {@code delivery.timeout.ms} to its maximum (the producer
         * retries until Kafka takes the record, in order) and {@code max.block.ms} to 10 s.
         *
         * @throws IllegalArgumentException for a setting that would break the relay's guarantees: idempotence off,
         *     acks other than all, a transactional id, more than 5 requests in flight per connection
         */
        public Builder producerProperty(String name, Object value) {
            Objects.requireNonNull(name, "name must not be null");
            Objects.requireNonNull(value, () -> "producer property " + name + " must not be null");
            ProducerSettings.check(name, value);
            producerProperties.put(name, value);
            return this;
        }

        public Builder keys(KeySelector keys) {
            this.keys = Objects.requireNonNull(keys, "keys must not be null");
            return this;
        }

        public Builder topicMapping(TopicMapping topicMapping) {
            this.topicMapping = Objects.requireNonNull(topicMapping, "topicMapping must not be null");
            return this;
        }

        public Builder headerMapping(HeaderMapping headerMapping) {
            this.headerMapping = Objects.requireNonNull(headerMapping, "headerMapping must not be null");
            return this;
        }

        public Builder poisonPolicy(PoisonPolicy poisonPolicy) {
            this.poisonPolicy = Objects.requireNonNull(poisonPolicy, "poisonPolicy must not be null");
            return this;
        }

        /** The WAL key refused entries go to under {@link PoisonPolicy#DEAD_LETTER}; never forwarded itself. */
        public Builder deadLetterKey(String deadLetterKey) {
            Objects.requireNonNull(deadLetterKey, "deadLetterKey must not be null");
            EntryRef.hashOf(deadLetterKey); // refuses what the WAL would refuse as a key, naming why
            this.deadLetterKey = deadLetterKey;
            return this;
        }

        /**
         * Where a relay before core cursors kept its checkpoints; by default {@value #DEFAULT_CHECKPOINT_FILE_NAME}
         * in the WAL's directory. When the file exists, the relay commits its checkpoints to the cursors that have
         * none yet and deletes it.
         */
        public Builder checkpointFile(Path checkpointFile) {
            this.checkpointFile = checkpointFile;
            return this;
        }

        /**
         * The name of the cursors holding the checkpoints, one per forwarded key; by default
         * {@value #DEFAULT_CURSOR_NAME}. Two relays on one WAL need two names.
         *
         * @throws IllegalArgumentException when it is not 1 to 64 letters, digits, '.', '_' or '-'
         */
        public Builder cursorName(String cursorName) {
            Objects.requireNonNull(cursorName, "cursorName must not be null");
            if (!CURSOR_NAME.matcher(cursorName).matches()) {
                throw new IllegalArgumentException("cursorName must be 1 to 64 letters, digits, '.', '_' or '-', was '"
                        + cursorName + "'");
            }
            this.cursorName = cursorName;
            return this;
        }

        /**
         * How often advanced checkpoints are committed to their cursors (one atomic, fsynced file per key that
         * moved), 1 ms to 1 h; sooner once
         * {@link #maxInFlight max-in-flight} entries were acknowledged since the last write. After a crash, the
         * entries acknowledged since the last write, and those in flight, are sent again.
         */
        public Builder checkpointInterval(Duration checkpointInterval) {
            this.checkpointInterval = between("checkpointInterval", checkpointInterval, Duration.ofMillis(1),
                    Duration.ofHours(1));
            return this;
        }

        /** The most entries sent and not yet acknowledged, over all keys, 1 to 1,000,000. */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT_LIMIT) {
                throw new IllegalArgumentException("maxInFlight must be between 1 and " + MAX_IN_FLIGHT_LIMIT
                        + ", was " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * The longest wait of an idle relay, 1 ms to 1 min: an append to any key, a Kafka answer, a stop and a due
         * checkpoint write or resend end a wait sooner, so this is only the backstop for a wake-up that went missing
         * (and how often an idle relay refreshes its keys' lag and looks for new keys).
         */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = between("pollInterval", pollInterval, Duration.ofMillis(1), Duration.ofMinutes(1));
            return this;
        }

        /** The first pause before a key resends after a failed send, 1 ms to 1 h; it doubles up to the maximum. */
        public Builder retryBackoff(Duration retryBackoff) {
            this.retryBackoff = between("retryBackoff", retryBackoff, Duration.ofMillis(1), Duration.ofHours(1));
            return this;
        }

        /** The longest pause between resends of a key, 1 ms to 1 h, at least the retry back-off. */
        public Builder maxRetryBackoff(Duration maxRetryBackoff) {
            this.maxRetryBackoff = between("maxRetryBackoff", maxRetryBackoff, Duration.ofMillis(1),
                    Duration.ofHours(1));
            return this;
        }

        /**
         * How old unforwarded entries may get before compaction may delete them anyway (counted from their
         * write, like the retention), or {@code null} (the default) to keep them until they are forwarded. The
         * relay reports every such deletion loudly.
         */
        public Builder maxLag(Duration maxLag) {
            this.maxLag = maxLag == null ? null
                    : between("maxLag", maxLag, Duration.ofMillis(1), Duration.ofDays(365_000));
            return this;
        }

        public KafkaRelayOptions build() {
            if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
                throw new IllegalArgumentException("maxRetryBackoff (" + maxRetryBackoff
                        + ") must be at least retryBackoff (" + retryBackoff + ")");
            }
            if (!producerProperties.containsKey("bootstrap.servers")) {
                throw new IllegalArgumentException("bootstrapServers is required");
            }
            return new KafkaRelayOptions(this);
        }

        private static Duration between(String name, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, () -> name + " must not be null");
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was "
                        + value);
            }
            return value;
        }
    }
}
