package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

import dev.nanowal.EntryRef;
import dev.nanowal.kafka.KafkaRelay;
import dev.nanowal.kafka.KeyLag;
import dev.nanowal.kafka.PoisonPolicy;
import dev.nanowal.kafka.RelayListener;
import dev.nanowal.kafka.RelayStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the Kafka relay, all named {@code nanowal.kafka.*}.
 *
 * <p>Counters and gauges read {@link KafkaRelay#status()} when the registry polls them. The send latency timer is
 * recorded by a {@link RelayListener}; the same listener adds the per-key lag gauges (tag {@code key}) the first
 * time it hears of a key, as keys appear while the relay runs. {@link #close()} removes it.
 */
public final class NanoWalKafkaMetrics implements MeterBinder, AutoCloseable {

    private static final double[] PERCENTILES = { 0.5, 0.95, 0.99 };

    private final KafkaRelay relay;

    private final Set<String> keysWithGauges = ConcurrentHashMap.newKeySet();

    private volatile Runnable removeListener = () -> {
    };

    public NanoWalKafkaMetrics(KafkaRelay relay) {
        this.relay = relay;
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
        Gauge.builder("nanowal.kafka.stalled", this.relay, (relay) -> seconds(relay.status().stalledFor()))
            .description("How long Kafka has left sends unacknowledged")
            .baseUnit("seconds")
            .register(registry);
        Timer send = Timer.builder("nanowal.kafka.send")
            .description("Time from handing an entry to the producer until Kafka acknowledged it")
            .publishPercentiles(PERCENTILES)
            .publishPercentileHistogram()
            .register(registry);
        this.relay.status().keys().forEach((lag) -> keyGauges(registry, lag.key()));
        this.removeListener = this.relay.addListener(new RelayListener() {

            @Override
            public void onForwarded(String key, int bytes, Duration latency) {
                send.record(latency);
                keyGauges(registry, key);
            }

            @Override
            public void onRetry(String key, Exception cause) {
                keyGauges(registry, key);
            }

            @Override
            public void onPoison(String key, EntryRef ref, Exception cause, PoisonPolicy policy) {
                keyGauges(registry, key);
            }

        });
    }

    private void keyGauges(MeterRegistry registry, String key) {
        if (!this.keysWithGauges.add(key)) {
            return;
        }
        Tags tags = Tags.of("key", key);
        Gauge.builder("nanowal.kafka.lag.entries", this, (metrics) -> metrics.lag(key, KeyLag::entriesBehind))
            .description("Entries of the key not yet acknowledged by Kafka")
            .tags(tags)
            .register(registry);
        Gauge.builder("nanowal.kafka.lag.age", this,
                (metrics) -> metrics.lag(key, (lag) -> seconds(lag.oldestUnforwardedAge())))
            .description("How long the oldest unforwarded entry of the key has waited")
            .baseUnit("seconds")
            .tags(tags)
            .register(registry);
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

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    @Override
    public void close() {
        this.removeListener.run();
    }
}
