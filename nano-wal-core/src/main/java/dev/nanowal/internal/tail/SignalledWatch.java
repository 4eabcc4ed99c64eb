package dev.nanowal.internal.tail;

import dev.nanowal.WalAppendWatch;
import dev.nanowal.WalClosedException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The {@link WalAppendWatch} of every WAL view: waits on a signal of its own that {@link AppendSignals} bumps on every
 * append to any key. Its contract is {@code WalAppendWatch}'s.
 *
 * <p>A {@link #wakeUp()} bumps the same signal, and counts itself first, so {@link #await} tells an append from a
 * wake-up by comparing how far the generation moved with how many wake-ups were counted meanwhile. A wake-up between
 * its count and its bump may hide an append from one call (its bump then makes the next call return at once, and
 * report it) or, straddling a call's return, report a grown key once too often; it never loses an append.
 */
public final class SignalledWatch implements WalAppendWatch {

    private final AppendSignals signals;
    private final AppendSignals.Signal signal;
    private final Supplier<WalClosedException> closedWal;
    private final AtomicLong wakeUps = new AtomicLong();
    /** The generation and the wake-ups when {@link #await} last returned (or the watch was made); the waiter's. */
    private long seenGeneration;
    private long seenWakeUps;
    private volatile boolean closed;

    /**
     * @param closedWal the error for an await after the view was closed
     * @throws WalClosedException when {@code signals} were closed already
     */
    public SignalledWatch(AppendSignals signals, Supplier<WalClosedException> closedWal) {
        this.signals = signals;
        this.closedWal = closedWal;
        this.signal = signals.watchAll();
        this.seenGeneration = signal.generation();
        if (signals.isClosed()) {
            // closed while registering: the close may not have seen this signal, so nothing would wake an await
            close();
            throw closedWal.get();
        }
    }

    @Override
    public boolean await(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null");
        ensureOpen();
        try {
            signal.await(seenGeneration, SignalledTailer.nanos(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ensureOpen();
        // the generation first: every wake-up whose bump it holds has been counted by the time the count is read
        long generation = signal.generation();
        long counted = wakeUps.get();
        boolean grew = generation - seenGeneration > counted - seenWakeUps;
        seenGeneration = generation;
        seenWakeUps = counted;
        return grew;
    }

    private void ensureOpen() {
        if (signals.isClosed()) {
            throw closedWal.get();
        }
        if (closed) {
            throw new WalClosedException("The append watch is closed");
        }
    }

    @Override
    public void wakeUp() {
        wakeUps.incrementAndGet();
        signal.bump();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        signals.unwatchAll(signal);
        // wakes an await in another thread, which then finds the watch closed
        signal.bump();
    }
}
