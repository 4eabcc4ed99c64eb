package dev.nanowal;

import java.time.Duration;

/**
 * Wakes a thread when any key of the WAL grows: for a consumer of many keys (a relay, a dispatcher) that would
 * otherwise look at every key on a timer. Made by {@link Wal#watchAppends()}.
 *
 * <p>The loop it is made for: make the watch, look at every key, {@link #await} (which returns when an append came
 * since the watch was made or the previous {@code await} returned), look at every key again, and so on. No append
 * is missed: one that comes while the thread looks makes the next {@code await} return at once. An append in this
 * process wakes the watch when it returns (a buffered one at once, a durable one once durable), also an append to
 * a key that had no entry before; a waiting thread uses no CPU. A watch says that some key grew, not which one.
 *
 * <p>On a read-only view ({@link Wal#openReadOnly}) the watch follows what the writer hands to the operating system,
 * through the directory watch that wakes the view's tailers: it wakes when a file of the directory changed, and
 * also once a second (when the file system reports nothing), so there a {@code true} says only that a key may have
 * grown.
 *
 * <p>Not thread-safe for {@link #await}: one thread waits; {@link #wakeUp()} and {@link #close()} may be called from
 * any thread.
 */
public interface WalAppendWatch extends AutoCloseable {

    /**
     * Waits up to {@code timeout} for an append to any key, returning at once when one came already since the watch
     * was made or this method last returned. An interrupt ends the wait early, the thread's interrupt status kept.
     *
     * @param timeout how long to wait; zero or less returns at once
     * @return true when a key (may have) grown: look at the keys; false when the timeout passed, the wait was
     *     interrupted or {@link #wakeUp()} ended it, and no key grew meanwhile (an append racing with a
     *     {@code wakeUp()} may be reported by the next call instead, which then returns at once)
     * @throws WalClosedException when the WAL or this watch is closed, also while waiting
     */
    boolean await(Duration timeout);

    /**
     * Ends the current {@link #await} of another thread at once, or makes the next one return at once: for a thread
     * that waits for appends and for other work (an answer from a remote system) at the same time. No effect on a
     * closed watch.
     */
    void wakeUp();

    /** Releases the watch; an {@link #await} in another thread ends with {@link WalClosedException}. Idempotent. */
    @Override
    void close();
}
