package dev.nanowal.internal.tail;

import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The wake-up of tailers: one {@link Signal} per key that has tailers, by key hash. Whoever learns that a key
 * grew calls {@link #appended(long)}: the engine after an append, a read-only view's file watcher after a segment
 * file changed ({@link #appendedToAny()} when it cannot tell which key). A key without tailers has no signal, so
 * an append to a WAL without tailers reads one counter
 * (no map lookup, no boxed key). A watch of every key ({@link #watchAll()}) has a signal of its own, which every
 * append bumps; without watches an append reads one more field. {@link #close()} wakes every waiter for good.
 * Thread-safe.
 *
 * <p>No signal is lost: a waiter reads {@link Signal#generation()} before it looks for entries and waits only
 * while the generation is unchanged, and an append bumps the generation after its entry is readable.
 */
public final class AppendSignals {

    private static final Signal[] NO_WATCHES = new Signal[0];

    private final Map<Long, Signal> signals = new ConcurrentHashMap<>();
    /** The signals of the watches of every key, copied on change (watches come and go rarely; appends never stop). */
    private volatile Signal[] watches = NO_WATCHES;
    /**
     * Registered tailers of every key. Raised after a tailer's signal is in the map and lowered before it leaves,
     * so that an append that reads zero had no tailer to wake that could have missed its entry.
     */
    private final AtomicInteger tailers = new AtomicInteger();
    private volatile boolean closed;

    /** A key's signal, shared by its tailers; {@link #release} it when the tailer closes. */
    public Signal register(long keyHash) {
        Signal registered = signals.compute(keyHash, (hash, existing) -> {
            Signal signal = existing == null ? new Signal(hash) : existing;
            signal.users++;
            return signal;
        });
        tailers.incrementAndGet();
        return registered;
    }

    public void release(Signal signal) {
        tailers.decrementAndGet();
        signals.computeIfPresent(signal.keyHash, (hash, existing) -> --existing.users == 0 ? null : existing);
    }

    /** A signal that every append to any key bumps, for one watch; {@link #unwatchAll} it when the watch closes. */
    public synchronized Signal watchAll() {
        Signal signal = new Signal(0);
        Signal[] more = Arrays.copyOf(watches, watches.length + 1);
        more[watches.length] = signal;
        watches = more;
        return signal;
    }

    public synchronized void unwatchAll(Signal signal) {
        watches = Arrays.stream(watches).filter(watch -> watch != signal).toArray(Signal[]::new);
    }

    /** Wakes the tailers of the key with this hash, and the watches; call once the appended entry is readable. */
    public void appended(long keyHash) {
        // The append published its entry with a release store and the tailer registers before it reads: without
        // a full fence this lookup could be ordered before that store and miss a tailer that then misses the entry.
        VarHandle.fullFence();
        for (Signal watch : watches) {
            watch.bump();
        }
        if (tailers.get() == 0) {
            return;
        }
        Signal signal = signals.get(keyHash);
        if (signal != null) {
            signal.bump();
        }
    }

    /** Wakes every tailer and watch, for a watcher that saw a change but not which key it was. */
    public void appendedToAny() {
        for (Signal signal : signals.values()) {
            signal.bump();
        }
        for (Signal watch : watches) {
            watch.bump();
        }
    }

    /** Wakes every waiter for good: the WAL is closing. */
    public void close() {
        closed = true;
        appendedToAny();
    }

    public boolean isClosed() {
        return closed;
    }

    /** One key's wake-up: a generation that every append bumps, and a condition to wait for it on. */
    public static final class Signal {

        private final long keyHash;
        private final AtomicLong generation = new AtomicLong();
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        /** Threads in {@link #await}: a bump with none skips the lock. */
        private volatile int waiting;
        /** Tailers sharing this signal; changed only inside the map's compute. */
        private int users;

        private Signal(long keyHash) {
            this.keyHash = keyHash;
        }

        /** Read before looking for entries; {@link #await} then waits only while it is unchanged. */
        public long generation() {
            return generation.get();
        }

        /**
         * Waits until the generation differs from {@code seen}, or {@code nanos} pass.
         *
         * @throws InterruptedException when interrupted while waiting
         */
        public void await(long seen, long nanos) throws InterruptedException {
            lock.lock();
            try {
                waiting++;
                try {
                    long left = nanos;
                    while (generation.get() == seen && left > 0) {
                        left = changed.awaitNanos(left);
                    }
                } finally {
                    waiting--;
                }
            } finally {
                lock.unlock();
            }
        }

        /** Bumps the generation and wakes the waiters. */
        public void bump() {
            generation.incrementAndGet();
            if (waiting > 0) {
                lock.lock();
                try {
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }

        @Override
        public String toString() {
            return "Signal[" + Long.toHexString(keyHash) + ", generation " + generation.get() + "]";
        }
    }
}
