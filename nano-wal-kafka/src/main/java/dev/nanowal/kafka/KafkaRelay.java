package dev.nanowal.kafka;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import dev.nanowal.Wal;

import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Store-and-forward from a {@link Wal} to Apache Kafka: tails the selected keys on a thread of its own (never on
 * the append path) and publishes every entry, at least once and in order per key, to the key's
 * {@link Destination}. Each record carries its {@link SourcePosition}, so consumers can drop duplicates.
 *
 * <p>Per key, a checkpoint names the last entry that Kafka acknowledged together with every earlier one; it is
 * committed to the key's {@link dev.nanowal.WalCursor cursor} named {@link KafkaRelayOptions#cursorName()} (see
 * {@link KafkaRelayOptions.Builder#checkpointInterval}) and a restarted relay resends everything after it. While
 * the relay exists, compaction keeps the segments it has not forwarded (up to the maximum lag, see
 * {@link KafkaRelayOptions.Builder#maxLag}).
 *
 * <p>{@link #stop()} pauses forwarding and {@link #start()} resumes it, as often as needed, with a new producer each
 * time; compaction stays guarded while the relay is paused. {@link #close()} ends it for good. Thread-safe.
 *
 * <pre>{@code
 * try (KafkaRelay relay = new KafkaRelay(wal, KafkaRelayOptions.builder().bootstrapServers("kafka:9092").build())) {
 *     relay.start();
 *     ...
 * }
 * }</pre>
 */
public final class KafkaRelay implements AutoCloseable {

    private final RelayLoop loop;

    private boolean running;

    private boolean closed;

    /**
     * Prepares a relay: checks the settings, moves the checkpoint file of an earlier relay (if there is one) onto
     * cursors, creates the producer (which does not connect yet) and starts guarding unforwarded segments from
     * compaction.
     *
     * @throws IllegalArgumentException when a producer setting would break the relay's guarantees
     * @throws IllegalStateException when the earlier relay's checkpoint file is damaged
     */
    public KafkaRelay(Wal wal, KafkaRelayOptions options) {
        Objects.requireNonNull(wal, "wal must not be null");
        Objects.requireNonNull(options, "options must not be null");
        var settings = ProducerSettings.of(options.producerProperties());
        Path file = options.checkpointFile() != null ? options.checkpointFile()
                : wal.directory().resolve(KafkaRelayOptions.DEFAULT_CHECKPOINT_FILE_NAME);
        CheckpointMigration.migrate(wal, options.cursorName(), file); // fails before a producer exists
        this.loop = new RelayLoop(wal, options, () -> new KafkaProducer<>(settings));
    }

    /**
     * Starts forwarding, or resumes it after {@link #stop()} from the checkpoints; does nothing while it runs.
     *
     * @throws IllegalStateException when the relay is closed
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("The relay is closed");
        }
        if (!running) {
            loop.start();
            running = true;
        }
    }

    /**
     * Pauses forwarding: sends what the selected keys hold and waits for Kafka to acknowledge it, up to 5 s in all
     * (and up to 2 s more for a send waiting for metadata); then writes the checkpoints and closes the producer.
     * Entries not acknowledged by then are sent again when the relay starts again, or by the next relay. Compaction
     * stays guarded until {@link #close()}. Does nothing when the relay is not running.
     */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        try {
            loop.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Registers a listener for acknowledgements, retries, poison entries and forced deletions (for metrics).
     *
     * @return an action that removes it again
     */
    public Runnable addListener(RelayListener listener) {
        return loop.addListener(Objects.requireNonNull(listener, "listener must not be null"));
    }

    /** How far behind the relay is on one key; empty when it does not forward the key (or has not seen it yet). */
    public Optional<KeyLag> lag(String key) {
        return loop.lag(key);
    }

    /** The options the relay was built with. */
    public KafkaRelayOptions options() {
        return loop.options;
    }

    /** What the relay has done and how far behind it is. */
    public RelayStatus status() {
        return loop.status();
    }

    /** {@link #stop() Stops} forwarding for good and stops guarding compaction. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        stop();
        closed = true;
        loop.release();
    }
}
