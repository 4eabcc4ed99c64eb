package dev.nanowal.spring.boot.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that stands still until the test moves it. Thread-safe: the WAL reads it from its own threads. Clocks
 * made by {@link #withZone(ZoneId)} share its time.
 */
public final class SettableClock extends Clock {

    private final AtomicReference<Instant> now;

    private final ZoneId zone;

    /**
     * A clock that reads {@code start} (in UTC) until it is moved.
     *
     * @param start the first time it reads
     */
    public SettableClock(Instant start) {
        this(new AtomicReference<>(Objects.requireNonNull(start, "start must not be null")), ZoneOffset.UTC);
    }

    private SettableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /**
     * Moves the clock forward.
     *
     * @param duration how far, zero or more (the WAL expects time not to run backwards)
     * @return the new time
     */
    public Instant advance(Duration duration) {
        Objects.requireNonNull(duration, "duration must not be null");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must be zero or more, was " + duration);
        }
        return this.now.updateAndGet((instant) -> instant.plus(duration));
    }

    /**
     * Sets the time.
     *
     * @param instant the time it reads from now on
     */
    public void set(Instant instant) {
        this.now.set(Objects.requireNonNull(instant, "instant must not be null"));
    }

    @Override
    public Instant instant() {
        return this.now.get();
    }

    @Override
    public ZoneId getZone() {
        return this.zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return new SettableClock(this.now, Objects.requireNonNull(zone, "zone must not be null"));
    }

    @Override
    public String toString() {
        return "SettableClock[" + instant() + ", " + this.zone + "]";
    }
}
