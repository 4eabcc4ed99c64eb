package dev.nanowal.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.concurrent.atomic.LongAdder;

import dev.nanowal.CompactionResult;
import dev.nanowal.Wal;
import dev.nanowal.WalAppendWatch;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalCursor;
import dev.nanowal.WalException;
import dev.nanowal.WalListener;
import dev.nanowal.WalRecord;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's thread: finds the selected keys, pumps their entries into the producer within the in-flight bound,
 * applies Kafka's answers (handed over from the producer's thread through {@code tasks}) and commits checkpoints to
 * the keys' cursors. With nothing to do it waits on a {@link WalAppendWatch}: an append to any key, a Kafka answer
 * and a stop wake it ({@link WalAppendWatch#wakeUp()}), and so does whatever falls due next (a checkpoint write, a
 * key's resend, a look for new keys); {@code pollInterval} bounds every wait, so a wake-up that went missing delays
 * the relay by that much at most and never stalls it.
 * Everything but the compaction guard, the compaction listener and {@link #status()} runs on this one thread, so
 * per-key state needs no locks.
 *
 * <p>A run lasts from {@link #start()} to {@link #stop()}; each run has a thread and a producer of its own and
 * rebuilds the per-key state from the cursors. The compaction guard, the counters and the listeners outlive runs,
 * until {@link #release()}. Start and stop are called by {@link KafkaRelay}, one at a time.
 */
final class RelayLoop implements Runnable {

    private static final long MIN_IDLE_NANOS = 1_000_000L;

    /** Looks for new keys after appends at most this often (each look lists every key of the WAL). */
    private static final long DISCOVERY_NANOS = 1_000_000_000L;

    /** How long a stop may take to send what the keys hold and wait for Kafka's acknowledgements. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private static final long SLOW_CHECKPOINT_WRITE_NANOS = 1_000_000_000L;

    final Logger log = LoggerFactory.getLogger(KafkaRelay.class);

    final Wal wal;

    final KafkaRelayOptions options;

    private final Supplier<Producer<byte[], byte[]>> producers;

    /** This run's producer; created ahead of the first run, so a bad setting fails when the relay is built. */
    private volatile Producer<byte[], byte[]> producer;

    /** Orders producer creation and closing with listener registration, so each listener hears both of each. */
    private final Object producerLock = new Object();

    private final Map<String, KeyRelay> keys = new ConcurrentHashMap<>();

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

    private final Runnable removeGuard;

    private final Runnable removeListener;

    private final List<RelayListener> listeners = new CopyOnWriteArrayList<>();

    private final LongAdder forwardedEntries = new LongAdder();

    private final LongAdder forwardedBytes = new LongAdder();

    private final LongAdder resends = new LongAdder();

    private final LongAdder failures = new LongAdder();

    private final LongAdder poisonEntries = new LongAdder();

    private final LongAdder unforwardedSegmentsDeleted = new LongAdder();

    private volatile Thread thread;

    /** What the run's thread waits on when idle; made and closed by that thread, woken by any other. */
    private volatile WalAppendWatch appends;

    private volatile boolean started;

    private volatile boolean running;

    /** Set by {@link #stop()}: send what the keys hold, then end the run (by {@code stopDeadlineNanos} at latest). */
    private volatile boolean stopping;

    private volatile long stopDeadlineNanos;

    private volatile String failure;

    /** Whether sends are unacknowledged or keys wait to resend, and since when no acknowledgement came. */
    private volatile boolean waiting;

    private volatile long waitingSinceNanos;

    /** The retries of the producers closed so far, and the producer whose retries count on top; retriesLock. */
    private long retriesOfClosedProducers;

    private Producer<byte[], byte[]> countedProducer;

    private final Object retriesLock = new Object();

    private int inFlight;

    private boolean checkpointsDirty;

    /** Checkpoint moves since the last write: a crash would resend those entries. */
    private int movesSinceWrite;

    private long nextCheckpointWriteNanos;

    private long nextDiscoveryNanos;

    /** An append (or the backstop) asks for a look for new keys, done once {@code nextDiscoveryNanos} came. */
    private boolean discoveryWanted;

    RelayLoop(Wal wal, KafkaRelayOptions options, Supplier<Producer<byte[], byte[]>> producers) {
        this.wal = wal;
        this.options = options;
        this.producers = producers;
        this.producer = producers.get();
        this.countedProducer = producer;
        this.removeGuard = wal.addCompactionGuard(this::mayDelete);
        this.removeListener = wal.addListener(new WalListener() {
            @Override
            public void onCompaction(CompactionResult result) {
                for (CompactionResult.DeletedSegment deleted : result.deletedSegments()) {
                    submit(() -> {
                        KeyRelay key = keys.get(deleted.key());
                        if (key != null) {
                            key.entriesDeleted(deleted.entries());
                        }
                    });
                }
            }
        });
    }

    /** Starts a run: a new thread, and a new producer unless this is the first run. */
    void start() {
        synchronized (producerLock) {
            if (producer == null) {
                Producer<byte[], byte[]> created = producers.get();
                synchronized (retriesLock) {
                    countedProducer = created;
                }
                producer = created;
                notify((listener) -> listener.onProducerStarted(created));
            }
        }
        // What the last run left: its keys committed their checkpoints and closed their readers when it ended.
        keys.clear();
        tasks.clear();
        inFlight = 0;
        failure = null;
        waiting = false;
        stopping = false;
        running = true;
        started = true;
        thread = new Thread(this, "nano-wal-kafka-relay");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        nextDiscoveryNanos = System.nanoTime();
        nextCheckpointWriteNanos = nextDiscoveryNanos;
        discoveryWanted = true;
        boolean discoveredForStop = false;
        try {
            // Made before the first look at the keys: an append after it wakes the first wait.
            appends = wal.watchAppends();
            while (running) {
                // Read first: what was appended before stop() was called is pumped in this pass.
                boolean finishing = stopping;
                boolean busy = runTasks();
                long now = System.nanoTime();
                if ((finishing && !discoveredForStop) || (discoveryWanted && now - nextDiscoveryNanos >= 0)) {
                    discoverKeys(); // a key that got its first entry just before the stop is forwarded too
                    discoveredForStop = finishing;
                    discoveryWanted = false;
                    nextDiscoveryNanos = now + DISCOVERY_NANOS;
                }
                busy |= pumpKeys(now);
                // On time, or sooner when a burst of acknowledgements (Kafka back after an outage) would make a
                // crash resend more than max-in-flight entries.
                if (checkpointsDirty && (now - nextCheckpointWriteNanos >= 0
                        || movesSinceWrite >= options.maxInFlight())) {
                    writeCheckpoints();
                }
                trackWaiting(now);
                if (finishing && (drained() || now - stopDeadlineNanos >= 0)) {
                    running = false;
                } else if (!busy) {
                    waitForWork(now, finishing);
                }
            }
        } catch (RuntimeException | Error e) {
            fail(e);
        } finally {
            shutDown();
        }
    }

    /**
     * Waits until an append to any key, a Kafka answer or a stop wakes the watch, or until what falls due first: a
     * checkpoint write, a key's resend, a look for new keys an append asked for, or the end of {@code pollInterval}
     * (then a look for new keys is due too, in case a wake-up went missing). While finishing, only briefly.
     */
    private void waitForWork(long now, boolean finishing) {
        long poll = finishing ? MIN_IDLE_NANOS : options.pollInterval().toNanos();
        long wait = poll;
        if (checkpointsDirty) {
            wait = Math.min(wait, nextCheckpointWriteNanos - now);
        }
        if (discoveryWanted) {
            wait = Math.min(wait, nextDiscoveryNanos - now);
        }
        for (KeyRelay key : keys.values()) {
            wait = Math.min(wait, key.nanosUntilResend(now));
        }
        if (wait <= 0) {
            return;
        }
        if (appends.await(Duration.ofNanos(wait)) || wait == poll) {
            discoveryWanted = true;
        }
    }

    /**
     * Ends the run: the thread sends what the selected keys hold and waits for Kafka's answers, up to
     * {@link #STOP_TIMEOUT} in all, then closes the producer and writes the checkpoints. Compaction stays guarded.
     */
    void stop() throws InterruptedException {
        stopDeadlineNanos = System.nanoTime() + STOP_TIMEOUT.toNanos();
        stopping = true;
        wakeUp();
        thread.join(STOP_TIMEOUT.plusSeconds(2).toMillis());
        if (thread.isAlive()) {
            thread.interrupt(); // a send still waiting for metadata gives up
            thread.join();
        }
    }

    /** Stops guarding compaction, after the last run (and closes the first producer when there was none). */
    void release() {
        if (!started) {
            running = false;
            shutDown();
        }
        removeGuard.run();
        removeListener.run();
    }

    /** Nothing in flight, and every key either stopped or sent all it held and is not waiting to resend. */
    private boolean drained() {
        return inFlight == 0 && tasks.isEmpty() && keys.values().stream().allMatch(KeyRelay::idle);
    }

    private void shutDown() {
        // After a stop, what is left of its time; after a fatal error, the whole of it.
        Duration timeout = stopping ? Duration.ofNanos(Math.max(0, stopDeadlineNanos - System.nanoTime()))
                : STOP_TIMEOUT;
        synchronized (producerLock) {
            Producer<byte[], byte[]> closed = producer;
            // Taken before the close, which drops the producer's metrics: the counter must never go back.
            synchronized (retriesLock) {
                retriesOfClosedProducers += retriesOf(closed);
                countedProducer = null;
            }
            try {
                // Waits for the sends in flight, so their acknowledgements can still move checkpoints.
                closed.close(timeout);
            } catch (RuntimeException e) {
                log.warn("Closing the Kafka producer failed", e);
            }
            producer = null;
            notify((listener) -> listener.onProducerClosed(closed));
        }
        runTasks();
        if (checkpointsDirty) {
            writeCheckpoints();
        }
        keys.values().forEach(KeyRelay::closeReader);
        WalAppendWatch watch = appends;
        if (watch != null) {
            appends = null;
            watch.close();
        }
    }

    private boolean runTasks() {
        boolean any = false;
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
            task.run();
            any = true;
        }
        return any;
    }

    private void submit(Runnable task) {
        tasks.add(task);
        wakeUp();
    }

    /** Ends the run thread's wait; before its watch exists the thread has not waited yet, and looks at the tasks first. */
    private void wakeUp() {
        WalAppendWatch watch = appends;
        if (watch != null) {
            watch.wakeUp();
        }
    }

    private void discoverKeys() {
        for (String key : wal.enumerateKeys()) {
            if (keys.containsKey(key) || key.equals(options.deadLetterKey()) || !options.keys().selects(key)) {
                continue;
            }
            WalCursor cursor;
            try {
                cursor = wal.cursor(options.cursorName(), key);
            } catch (WalCorruptionException e) {
                keys.put(key, KeyRelay.stopped(key, null, null, "its checkpoint cannot be read: " + e.getMessage(),
                        this));
                continue;
            }
            Destination destination;
            try {
                destination = Objects.requireNonNull(options.topicMapping().destinationOf(key),
                        "the topic mapping returned null");
            } catch (RuntimeException e) {
                keys.put(key, KeyRelay.stopped(key, null, cursor, "the topic mapping failed: " + e, this));
                continue;
            }
            KeyRelay relay = new KeyRelay(key, destination, cursor, this);
            keys.put(key, relay);
            log.debug("Relaying key '{}' to {} from checkpoint {}", key, destination, relay.checkpoint());
        }
    }

    private boolean pumpKeys(long now) {
        boolean sent = false;
        for (KeyRelay key : keys.values()) {
            int count = key.pump(options.maxInFlight() - inFlight, now);
            inFlight += count;
            sent |= count > 0;
        }
        return sent;
    }

    /**
     * Hands one entry to the producer; Kafka's answer comes back through {@link KeyRelay#completed}.
     *
     * @return false when the send failed at once (its failure is queued already)
     */
    boolean send(KeyRelay key, KeyRelay.Pending pending, WalRecord record) {
        ProducerRecord<byte[], byte[]> message = new ProducerRecord<>(key.destination.topic(),
                key.destination.partition(), recordKey(record), record.content());
        if (options.headerMapping() == HeaderMapping.KAFKA_HEADER && record.header().length > 0) {
            message.headers().add(SourcePosition.ENTRY_HEADER, record.header());
        }
        new SourcePosition(key.key, record.ref()).addTo(message.headers());
        try {
            // The callback runs on the producer's I/O thread (or inside send, when it fails at once).
            return !producer.send(message, (metadata, error) -> submit(() -> {
                inFlight--;
                key.completed(pending, error);
            })).isDone();
        } catch (KafkaException | IllegalStateException e) {
            submit(() -> {
                inFlight--;
                key.completed(pending, e);
            });
            return false;
        }
    }

    private byte[] recordKey(WalRecord record) {
        return options.headerMapping() == HeaderMapping.RECORD_KEY && record.header().length > 0 ? record.header()
                : null;
    }

    void forwarded(KeyRelay key, KeyRelay.Pending pending) {
        forwardedEntries.increment();
        forwardedBytes.add(pending.bytes);
        long now = System.nanoTime();
        waitingSinceNanos = now; // Kafka answered: whatever still waits, waits from now
        Duration latency = Duration.ofNanos(now - pending.sentAtNanos);
        notify((listener) -> listener.onForwarded(key.key, pending.bytes, latency));
    }

    void failed(KeyRelay key, Exception error) {
        failures.increment();
        log.debug("Send of key '{}' failed", key.key, error);
    }

    void retried(KeyRelay key, Exception cause) {
        resends.increment();
        notify((listener) -> listener.onRetry(key.key, cause));
    }

    void checkpointMoved() {
        checkpointsDirty = true;
        movesSinceWrite++;
    }

    long nowMillis() {
        return wal.options().clock().millis();
    }

    /**
     * Applies the poison policy to an entry Kafka refused for good.
     *
     * @return whether the key may go on past it
     */
    boolean passOverPoison(KeyRelay key, KeyRelay.Pending pending) {
        poisonEntries.increment();
        PoisonPolicy policy = options.poisonPolicy();
        notify((listener) -> listener.onPoison(key.key, pending.ref, pending.error, policy));
        if (policy == PoisonPolicy.DEAD_LETTER) {
            try {
                WalRecord record = wal.readRecordAt(pending.ref);
                wal.appendEntry(options.deadLetterKey(), deadLetterHeader(key, pending), record.content(), true);
            } catch (WalException e) {
                log.error("Could not put entry {} of key '{}' into the dead-letter key '{}'", pending.ref, key.key,
                        options.deadLetterKey(), e);
                return false;
            }
        }
        if (policy != PoisonPolicy.STOP) {
            log.error("Kafka refused entry {} of key '{}' for {} ({}); poison policy {}: {}", pending.ref, key.key,
                    key.destination, pending.error.toString(), policy, policy == PoisonPolicy.DEAD_LETTER
                            ? "appended to key '" + options.deadLetterKey() + "'" : "skipped, it will not reach Kafka");
        }
        return policy != PoisonPolicy.STOP;
    }

    private static byte[] deadLetterHeader(KeyRelay key, KeyRelay.Pending pending) {
        String text = "source-key=" + key.key + "\nsource-ref=" + pending.ref.keyHash() + "/"
                + pending.ref.sequenceNumber() + "/" + pending.ref.offset() + "\ntopic=" + key.destination.topic()
                + "\npartition=" + key.destination.partition() + "\nerror=" + pending.error + "\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= Wal.MAX_HEADER_SIZE ? bytes : java.util.Arrays.copyOf(bytes, Wal.MAX_HEADER_SIZE);
    }

    /** The producer cannot go on: stop relaying, loudly (unless the relay is being stopped anyway). */
    void fail(Throwable cause) {
        if (!running) {
            log.debug("Relay stopping: {}", cause.toString());
            return;
        }
        failure = cause.toString();
        running = false;
        log.error("The Kafka relay stopped: {}. Checkpoints are kept; entries after them are sent when it is "
                + "restarted", cause.toString(), cause);
    }

    /** Commits every checkpoint that moved to its key's cursor: one atomic, fsynced file write per such key. */
    private void writeCheckpoints() {
        long start = System.nanoTime();
        try {
            for (KeyRelay key : keys.values()) {
                key.commitCheckpoint();
            }
            checkpointsDirty = false;
            movesSinceWrite = 0;
        } catch (RuntimeException e) {
            // Not fatal: acknowledged entries after the committed checkpoints would only be sent again.
            log.error("Could not commit relay checkpoints; trying again in {}", options.checkpointInterval(), e);
        }
        long took = System.nanoTime() - start;
        if (took > SLOW_CHECKPOINT_WRITE_NANOS) {
            // The relay waits meanwhile, and a crash resends everything acknowledged since the last write.
            log.warn("Committing the relay checkpoints took {} ms (fsync of the cursor files in {})",
                    took / 1_000_000, wal.directory());
        }
        nextCheckpointWriteNanos = System.nanoTime() + options.checkpointInterval().toNanos();
    }

    private void trackWaiting(long now) {
        boolean waiting = inFlight > 0 || keys.values().stream().anyMatch(key -> key.waitingForRetry(now));
        if (waiting && !this.waiting) {
            waitingSinceNanos = now;
        }
        this.waiting = waiting;
    }

    private boolean mayDelete(String key, long sequenceNumber, Instant newestEntry) {
        if (key.equals(options.deadLetterKey()) || !options.keys().selects(key)) {
            return true;
        }
        KeyRelay relay = keys.get(key);
        if (relay != null && (sequenceNumber < relay.checkpointSequence
                || newestEntry.toEpochMilli() < relay.forwardedBeforeMillis)) {
            return true;
        }
        Duration maxLag = options.maxLag();
        if (maxLag != null && newestEntry.isBefore(wal.options().clock().instant().minus(maxLag))) {
            unforwardedSegmentsDeleted.increment();
            log.error("Compaction deletes segment {} of key '{}' although the relay has not forwarded all of it: "
                    + "its newest entry ({}) is older than the maximum lag of {}. Those entries never reach Kafka",
                    sequenceNumber, key, newestEntry, maxLag);
            notify((listener) -> listener.onUnforwardedSegmentDeleted(key, sequenceNumber, newestEntry));
            return true;
        }
        return false;
    }

    Runnable addListener(RelayListener listener) {
        synchronized (producerLock) {
            listeners.add(listener);
            Producer<byte[], byte[]> current = producer;
            if (current != null) {
                notify(listener, (added) -> added.onProducerStarted(current));
            }
        }
        return () -> listeners.remove(listener);
    }

    private void notify(Consumer<RelayListener> call) {
        for (RelayListener listener : listeners) {
            notify(listener, call);
        }
    }

    private void notify(RelayListener listener, Consumer<RelayListener> call) {
        try {
            call.accept(listener);
        } catch (RuntimeException e) {
            log.warn("Relay listener {} failed", listener, e);
        }
    }

    Optional<KeyLag> lag(String key) {
        KeyRelay relay = keys.get(key);
        return relay == null ? Optional.empty() : Optional.of(relay.lag);
    }

    RelayStatus status() {
        Duration stalledFor = waiting ? Duration.ofNanos(Math.max(0, System.nanoTime() - waitingSinceNanos))
                : Duration.ZERO;
        List<KeyLag> lags = new ArrayList<>();
        keys.values().forEach(key -> lags.add(key.lag));
        lags.sort(Comparator.comparing(KeyLag::key));
        return new RelayStatus(running && started, failure, stalledFor, forwardedEntries.sum(),
                forwardedBytes.sum(), resends.sum() + producerRetries(), failures.sum(), poisonEntries.sum(),
                unforwardedSegmentsDeleted.sum(), lags);
    }

    /** Retries of every producer so far: the counter must not go back when a restart brings a new producer. */
    private long producerRetries() {
        synchronized (retriesLock) {
            return retriesOfClosedProducers + (countedProducer == null ? 0 : retriesOf(countedProducer));
        }
    }

    private static long retriesOf(Producer<byte[], byte[]> producer) {
        for (Map.Entry<MetricName, ? extends Metric> metric : producer.metrics().entrySet()) {
            if (metric.getKey().name().equals("record-retry-total")
                    && metric.getKey().group().equals("producer-metrics")) {
                return ((Number) metric.getValue().metricValue()).longValue();
            }
        }
        return 0;
    }
}
