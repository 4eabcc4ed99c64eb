package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;

import dev.nanowal.CompactionResult;
import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalListener;
import dev.nanowal.kafka.KafkaRelay;
import dev.nanowal.kafka.KeyLag;
import dev.nanowal.kafka.PoisonPolicy;
import dev.nanowal.kafka.RelayListener;
import dev.nanowal.kafka.RelayStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.producer.Producer;

/**
 * Micrometer meters of the Kafka relay, all named {@code nanowal.kafka.*}.
 *
 * <p>Counters and gauges read {@link KafkaRelay#status()} when the registry polls them: the lag over all keys
 * ({@code nanowal.kafka.lag.entries}, and {@code nanowal.kafka.lag.age}, the age of the oldest unforwarded entry of
 * any key), so the number of meters does not grow with the number of keys. The send latency timer is recorded by a
 * {@link RelayListener}; it publishes a histogram and leaves percentiles to the registry's configuration
 * ({@code management.metrics.distribution.percentiles.nanowal.kafka.send}), as client-side percentiles cannot be
 * aggregated across instances.
 *
 * <p>Per-key gauges ({@code nanowal.kafka.key.lag.entries} and {@code nanowal.kafka.key.lag.age}, tag {@code key})
 * are opt-in and capped: for at most {@code maxKeyGauges} keys, added as the relay first hears of a key and removed
 * when compaction leaves the key without entries.
 *
 * <p>The producer's own metrics ({@code kafka.producer.*}) are bound through Micrometer's
 * {@link KafkaClientMetrics}, for each producer the relay starts (a new one each time it starts again) and removed
 * when it closes. {@link #close()} removes the listeners.
 */
public final class NanoWalKafkaMetrics implements MeterBinder, AutoCloseable {

    private static final Log logger = LogFactory.getLog(NanoWalKafkaMetrics.class);

    private final KafkaRelay relay;

    private final Wal wal;

    private final int maxKeyGauges;

    private final Map<String, List<Meter>> keyGauges = new ConcurrentHashMap<>();

    /**
     * Held to add or remove a key's gauges, each after looking at whether the key has entries, so a gauge added
     * for a key while compaction takes its last entries is removed again, never left behind.
     */
    private final Object keyGaugesLock = new Object();

    private final AtomicBoolean capReported = new AtomicBoolean();

    private final Map<Producer<byte[], byte[]>, KafkaClientMetrics> producerMetrics = new ConcurrentHashMap<>();

    private volatile Runnable removeListeners = () -> {
    };

    /** Meters without per-key gauges. */
    public NanoWalKafkaMetrics(KafkaRelay relay) {
        this(relay, null, 0);
    }

    /**
     * Meters with per-key gauges for up to {@code maxKeyGauges} keys.
     *
     * @param relay the relay
     * @param wal the WAL it forwards from, which says when a key goes; may be {@code null} when
     *     {@code maxKeyGauges} is 0
     * @param maxKeyGauges for how many keys at most to add per-key gauges; 0 for none
     */
    public NanoWalKafkaMetrics(KafkaRelay relay, Wal wal, int maxKeyGauges) {
        if (maxKeyGauges < 0 || (maxKeyGauges > 0 && wal == null)) {
            throw new IllegalArgumentException("maxKeyGauges must be 0, or positive with a Wal, was " + maxKeyGauges);
        }
        this.relay = relay;
        this.wal = wal;
        this.maxKeyGauges = maxKeyGauges;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "nanowal.kafka.forwarded", null, "Entries Kafka acknowledged", RelayStatus::forwardedEntries);
        counter(registry, "nanowal.kafka.forwarded.bytes", BaseUnits.BYTES,
                "Header and content bytes of the entries Kafka acknowledged", RelayStatus::forwardedBytes);
        counter(registry, "nanowal.kafka.retries", null,
                "Records the producer sent again plus resends of a key from its checkpoint", RelayStatus::retries);
        counter(registry, "nanowal.kafka.failures", null, "Failed sends of any kind", RelayStatus::failures);
        counter(registry, "nanowal.kafka.poison", null, "Entries Kafka refused for good", RelayStatus::poisonEntries);
        counter(registry, "nanowal.kafka.unforwarded.deleted", null,
                "Segments compaction deleted before they were forwarded (older than the maximum lag)",
                RelayStatus::unforwardedSegmentsDeleted);
        TimeGauge.builder("nanowal.kafka.stalled", this.relay, TimeUnit.NANOSECONDS,
                (relay) -> relay.status().stalledFor().toNanos())
            .description("How long Kafka has left sends unacknowledged")
            .register(registry);
        Gauge.builder("nanowal.kafka.lag.entries", this.relay,
                (relay) -> relay.status().keys().stream().mapToLong(KeyLag::entriesBehind).sum())
            .description("Entries not yet acknowledged by Kafka, over all forwarded keys")
            .register(registry);
        TimeGauge.builder("nanowal.kafka.lag.age", this.relay, TimeUnit.NANOSECONDS,
                (relay) -> relay.status()
                    .keys()
                    .stream()
                    .mapToLong((lag) -> lag.oldestUnforwardedAge().toNanos())
                    .max()
                    .orElse(0))
            .description("How long the oldest unforwarded entry of any key has waited")
            .register(registry);
        Timer send = Timer.builder("nanowal.kafka.send")
            .description("Time from handing an entry to the producer until Kafka acknowledged it")
            .publishPercentileHistogram()
            .register(registry);
        RelayListener relayListener = relayListener(registry, send);
        Runnable removeRelayListener = this.relay.addListener(relayListener);
        Runnable removeWalListener = () -> {
        };
        if (this.maxKeyGauges > 0) {
            this.relay.status().keys().forEach((lag) -> addKeyGauges(registry, lag.key()));
            removeWalListener = this.wal.addListener(new WalListener() {

                @Override
                public void onCompaction(CompactionResult result) {
                    result.deletedSegments().forEach((deleted) -> removeKeyGaugesIfGone(registry, deleted.key()));
                }

            });
        }
        Runnable walListenerRemoval = removeWalListener;
        this.removeListeners = () -> {
            removeRelayListener.run();
            walListenerRemoval.run();
        };
    }

    private RelayListener relayListener(MeterRegistry registry, Timer send) {
        return new RelayListener() {

            @Override
            public void onForwarded(String key, int bytes, Duration latency) {
                send.record(latency);
                addKeyGauges(registry, key);
            }

            @Override
            public void onRetry(String key, Exception cause) {
                addKeyGauges(registry, key);
            }

            @Override
            public void onPoison(String key, EntryRef ref, Exception cause, PoisonPolicy policy) {
                addKeyGauges(registry, key);
            }

            @Override
            public void onProducerStarted(Producer<byte[], byte[]> producer) {
                KafkaClientMetrics metrics = new KafkaClientMetrics(producer);
                metrics.bindTo(registry);
                NanoWalKafkaMetrics.this.producerMetrics.put(producer, metrics);
            }

            @Override
            public void onProducerClosed(Producer<byte[], byte[]> producer) {
                KafkaClientMetrics metrics = NanoWalKafkaMetrics.this.producerMetrics.remove(producer);
                if (metrics != null) {
                    metrics.close();
                }
            }

        };
    }

    private void addKeyGauges(MeterRegistry registry, String key) {
        if (this.maxKeyGauges == 0 || this.keyGauges.containsKey(key)) {
            return;
        }
        synchronized (this.keyGaugesLock) {
            if (this.keyGauges.size() >= this.maxKeyGauges) {
                if (this.capReported.compareAndSet(false, true)) {
                    logger.warn("Per-key relay gauges are capped at " + this.maxKeyGauges + " keys "
                            + "(nanowal.kafka.metrics.per-key.max-keys); key '" + key + "' and later ones have "
                            + "none. nanowal.kafka.lag.entries and nanowal.kafka.lag.age cover every key");
                }
                return;
            }
            if (this.wal.keyInfo(key).isPresent()) {
                this.keyGauges.computeIfAbsent(key, (added) -> registerKeyGauges(registry, added));
            }
        }
    }

    private List<Meter> registerKeyGauges(MeterRegistry registry, String key) {
        Tags tags = Tags.of("key", key);
        Meter entries = Gauge.builder("nanowal.kafka.key.lag.entries", this,
                (metrics) -> metrics.lag(key, KeyLag::entriesBehind))
            .description("Entries of the key not yet acknowledged by Kafka")
            .tags(tags)
            .register(registry);
        Meter age = TimeGauge.builder("nanowal.kafka.key.lag.age", this, TimeUnit.NANOSECONDS,
                (metrics) -> metrics.lag(key, (lag) -> lag.oldestUnforwardedAge().toNanos()))
            .description("How long the oldest unforwarded entry of the key has waited")
            .tags(tags)
            .register(registry);
        return List.of(entries, age);
    }

    private void removeKeyGaugesIfGone(MeterRegistry registry, String key) {
        synchronized (this.keyGaugesLock) {
            if (this.wal.keyInfo(key).isEmpty()) {
                List<Meter> meters = this.keyGauges.remove(key);
                if (meters != null) {
                    meters.forEach(registry::remove);
                }
            }
        }
    }

    private double lag(String key, ToDoubleFunction<KeyLag> value) {
        return this.relay.lag(key).map(value::applyAsDouble).orElse(Double.NaN);
    }

    private void counter(MeterRegistry registry, String name, String baseUnit, String description,
            ToDoubleFunction<RelayStatus> value) {
        FunctionCounter.builder(name, this.relay, (relay) -> value.applyAsDouble(relay.status()))
            .description(description)
            .baseUnit(baseUnit)
            .register(registry);
    }

    @Override
    public void close() {
        this.removeListeners.run();
        this.producerMetrics.values().forEach(KafkaClientMetrics::close);
        this.producerMetrics.clear();
    }
}
