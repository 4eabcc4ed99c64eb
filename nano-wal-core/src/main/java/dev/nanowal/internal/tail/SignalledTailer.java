package dev.nanowal.internal.tail;

import dev.nanowal.WalClosedException;
import dev.nanowal.WalException;
import dev.nanowal.WalRecord;
import dev.nanowal.WalTailer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The {@link WalTailer} of every WAL view: asks its {@link TailReader} for the next entry and, when there is
 * none, waits on the key's {@link AppendSignals.Signal} and asks again. Its contract is {@code WalTailer}'s.
 */
public final class SignalledTailer implements WalTailer {

    private final AppendSignals signals;
    private final AppendSignals.Signal signal;
    private final TailReader reader;
    private final Supplier<WalClosedException> closedWal;
    /** Held while the reader reads, so that a close from another thread never closes it mid-read. */
    private final ReentrantLock reading = new ReentrantLock();
    private volatile boolean closed;

    /**
     * @param closedWal the error for a poll after the view was closed
     * @throws WalClosedException when {@code signals} were closed already (the reader is closed then)
     */
    public SignalledTailer(AppendSignals signals, long keyHash, TailReader reader, Supplier<WalClosedException> closedWal) {
        this.signals = signals;
        this.reader = reader;
        this.closedWal = closedWal;
        this.signal = signals.register(keyHash);
        if (signals.isClosed()) {
            // closed while registering: the close may not have seen this signal, so nothing would wake a poll
            close();
            throw closedWal.get();
        }
    }

    @Override
    public Optional<WalRecord> poll(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null");
        long started = System.nanoTime();
        long wait = nanos(timeout);
        while (true) {
            ensureOpen();
            long seen = signal.generation();
            WalRecord next;
            reading.lock();
            try {
                ensureOpen();
                next = reader.next();
            } catch (WalException e) {
                // a read racing with the close of the WAL fails on a closed file: report the close, not the read
                ensureOpen();
                throw e;
            } finally {
                reading.unlock();
            }
            if (next != null) {
                return Optional.of(next);
            }
            long left = wait - (System.nanoTime() - started);
            if (left <= 0) {
                return Optional.empty();
            }
            try {
                signal.await(seen, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    private void ensureOpen() {
        if (signals.isClosed()) {
            throw closedWal.get();
        }
        if (closed) {
            throw new WalClosedException("The tailer is closed");
        }
    }

    @Override
    public long skipped() {
        return reader.skipped();
    }

    @Override
    public void close() {
        reading.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            reader.close();
        } finally {
            reading.unlock();
        }
        signals.release(signal);
        // wakes a poll waiting in another thread, which then finds the tailer closed
        signal.bump();
    }

    /** A timeout in nanoseconds, saturating instead of overflowing; zero for a negative one. */
    static long nanos(Duration timeout) {
        return timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE
                : Math.max(0, TimeUnit.NANOSECONDS.convert(timeout));
    }
}
