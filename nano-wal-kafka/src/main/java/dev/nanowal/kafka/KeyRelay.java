package dev.nanowal.kafka;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.stream.Stream;

import dev.nanowal.EntryRef;
import dev.nanowal.KeyInfo;
import dev.nanowal.WalCursor;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalRecord;
import dev.nanowal.WalTailer;

/**
 * The relay's state for one WAL key: what was sent, what Kafka acknowledged, and the checkpoint.
 *
 * <p>Invariant: {@code inFlight} holds the entries after {@code checkpoint} up to {@code readPosition}, in WAL
 * order, each sent once to the producer. The checkpoint only moves over the acknowledged head of that queue, so it
 * and every earlier entry of the key were acknowledged. When a send fails, nothing more is sent for the key until
 * every send in flight has completed; then the key resends from its checkpoint, so a later entry never overtakes
 * an earlier one that failed (the producer itself retries in order, idempotently, while Kafka is only slow).
 *
 * <p>Entries are read through a {@link WalTailer} from {@code readPosition}, so a look at a key that did not grow
 * reads nothing and asks the WAL for no statistics; the key's size is looked up only when something was read, and
 * otherwise once a second, for the lag. The checkpoint is committed to the key's {@link WalCursor}.
 *
 * <p>Touched by the relay thread only, except the volatile fields read by the compaction guard and status.
 */
final class KeyRelay {

    /** Refresh the lag of a key that did not grow after this long. */
    private static final long LAG_REFRESH_NANOS = 1_000_000_000L;

    static final class Pending {

        final EntryRef ref;

        final int bytes;

        final long readAtMillis;

        final long sentAtNanos;

        boolean acked;

        Exception error;

        Pending(EntryRef ref, int bytes, long readAtMillis, long sentAtNanos) {
            this.ref = ref;
            this.bytes = bytes;
            this.readAtMillis = readAtMillis;
            this.sentAtNanos = sentAtNanos;
        }
    }

    final String key;

    final Destination destination;

    private final RelayLoop loop;

    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();

    /** Holds the committed checkpoint; null when it could not be read (the key is stopped then). */
    private final WalCursor cursor;

    private EntryRef checkpoint;

    /** What the cursor holds. */
    private EntryRef committed;

    private EntryRef readPosition;

    /** Reads the entries after readPosition; opened when first needed, closed when readPosition goes back. */
    private WalTailer reader;

    private boolean draining;

    /** While backing off after a failure: when the key may send again (System.nanoTime). */
    private long resumeAtNanos;

    private boolean backingOff;

    private Duration backoff;

    private String stoppedReason;

    private boolean caughtUp;

    private long lagPublishedNanos;

    /** Retained entries up to the checkpoint; entries behind = the key's entries less these. */
    private long forwardedRetained;

    /**
     * When the oldest unforwarded entry was written, if known, else first read (epoch ms); {@code Long.MAX_VALUE}
     * when not known yet.
     */
    private long oldestUnforwardedMillis;

    /** Sequence number of the checkpoint's segment: every older segment of the key was forwarded. */
    volatile long checkpointSequence = -1;

    /** Every entry of the key written before this time (epoch ms, by the WAL's clock) was forwarded. */
    volatile long forwardedBeforeMillis = Long.MIN_VALUE;

    volatile KeyLag lag;

    KeyRelay(String key, Destination destination, WalCursor cursor, RelayLoop loop) {
        this.key = key;
        this.destination = destination;
        this.loop = loop;
        this.cursor = cursor;
        this.backoff = loop.options.retryBackoff();
        EntryRef checkpoint = cursor == null ? null : cursor.position().orElse(null);
        this.committed = checkpoint;
        moveCheckpoint(checkpoint);
        this.readPosition = checkpoint;
        KeyInfo info = loop.wal.keyInfo(key).orElse(null);
        long entries = info == null ? 0 : info.entries();
        this.forwardedRetained = Math.max(0, entries - countAfter(checkpoint));
        // The oldest unforwarded entry is the oldest one held without a checkpoint, else the first after it.
        if (info == null) {
            this.oldestUnforwardedMillis = Long.MAX_VALUE;
        } else {
            this.oldestUnforwardedMillis = checkpoint == null ? info.oldestEntry().toEpochMilli()
                    : appendedAfter(checkpoint);
        }
        this.lag = new KeyLag(key, destination, checkpoint, entries - forwardedRetained, Duration.ZERO, null);
    }

    /** A key whose destination or checkpoint could not be worked out: it is reported, never forwarded. */
    static KeyRelay stopped(String key, Destination destination, WalCursor cursor, String reason, RelayLoop loop) {
        KeyRelay relay = new KeyRelay(key, destination, cursor, loop);
        relay.stop(reason);
        return relay;
    }

    EntryRef checkpoint() {
        return checkpoint;
    }

    /** Whether the key has nothing left to do for now: stopped, or everything read was acknowledged. */
    boolean idle() {
        return stoppedReason != null || (caughtUp && inFlight.isEmpty() && !draining && !backingOff);
    }

    boolean waitingForRetry(long nowNanos) {
        return stoppedReason == null && backingOff && nowNanos - resumeAtNanos < 0;
    }

    /** How long until the key may resend after a failed send; {@code Long.MAX_VALUE} when it is not backing off. */
    long nanosUntilResend(long nowNanos) {
        return stoppedReason == null && backingOff ? resumeAtNanos - nowNanos : Long.MAX_VALUE;
    }

    /**
     * Reads the key's entries after what was sent and hands up to {@code budget} of them to the producer.
     *
     * @return how many were sent
     */
    int pump(int budget, long nowNanos) {
        // Read before the key's size: an entry appended after it is stamped with this time or later.
        long sizedAtMillis = loop.nowMillis();
        boolean lagDue = nowNanos - lagPublishedNanos >= LAG_REFRESH_NANOS;
        if (backingOff && nowNanos - resumeAtNanos >= 0) {
            backingOff = false;
        }
        if (stoppedReason != null || draining || backingOff || budget <= 0) {
            if (lagDue) {
                publishLag(info(), nowNanos);
            }
            return 0;
        }
        WalRecord record = next();
        if (record == null && caughtUp && !lagDue) {
            return 0; // the key did not grow
        }
        // Taken after the first read: everything it counts is read by the time the reader comes up empty.
        KeyInfo info = info();
        int sent = 0;
        boolean more = false;
        while (record != null) {
            Pending pending = new Pending(record.ref(), record.header().length + record.content().length,
                    sizedAtMillis, System.nanoTime());
            inFlight.add(pending);
            readPosition = record.ref();
            sent++;
            // A send that failed at once (no metadata, record too large) is handled before the next one goes.
            if (!loop.send(this, pending, record) || sent >= budget) {
                more = true;
                break;
            }
            record = next();
        }
        caughtUp = !more;
        if (caughtUp && inFlight.isEmpty() && info != null) {
            // Everything the key held when info was taken is forwarded, so is every entry stamped before then
            // (assuming the WAL's clock does not go back).
            forwardedRetained = info.entries();
            forwardedBeforeMillis = sizedAtMillis;
        }
        publishLag(info, nowNanos);
        return sent;
    }

    /** The next entry after readPosition, null when there is none yet. */
    private WalRecord next() {
        if (reader == null) {
            reader = openReader();
        }
        Optional<WalRecord> next = reader.poll(Duration.ZERO);
        return next.orElse(null);
    }

    private WalTailer openReader() {
        try {
            return loop.wal.tail(key, readPosition);
        } catch (WalEntryNotFoundException e) {
            // The entry itself is gone but not by compaction (a repair cut it): resend what the key holds.
            loop.log.warn("Key '{}' has no entry {} to go on after ({}); forwarding it again from its oldest entry",
                    key, readPosition, e.getMessage());
            return loop.wal.tail(key, null);
        }
    }

    void closeReader() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    /** Commits the checkpoint to the cursor when it moved since the last commit. */
    void commitCheckpoint() {
        if (cursor == null || checkpoint == null || checkpoint.equals(committed)) {
            return;
        }
        try {
            cursor.commit(checkpoint);
        } catch (WalEntryNotFoundException e) {
            // Forced out by the maximum lag: the entries the key still holds are all after it.
            loop.log.warn("The checkpoint {} of key '{}' was compacted away before it was committed", checkpoint,
                    key);
        }
        committed = checkpoint;
    }

    private KeyInfo info() {
        return loop.wal.keyInfo(key).orElse(null);
    }

    /** Kafka answered for one entry ({@code error} null: acknowledged). */
    void completed(Pending pending, Exception error) {
        if (error == null) {
            pending.acked = true;
            loop.forwarded(this, pending);
            backoff = loop.options.retryBackoff();
        } else {
            pending.error = error;
            draining = true;
            loop.failed(this, error);
        }
        while (!inFlight.isEmpty() && inFlight.peek().acked) {
            passed(inFlight.poll());
        }
        if (draining && inFlight.stream().allMatch(p -> p.acked || p.error != null)) {
            resolveFailures();
        }
    }

    /** Every send in flight has completed and one failed: apply the failure, in WAL order. */
    private void resolveFailures() {
        draining = false;
        while (!inFlight.isEmpty()) {
            Pending head = inFlight.poll();
            if (head.acked) {
                passed(head);
                continue;
            }
            switch (Failure.of(head.error)) {
                case POISON -> {
                    if (!loop.passOverPoison(this, head)) {
                        stop("entry " + head.ref + " was refused (" + head.error + ") and the poison policy is "
                                + PoisonPolicy.STOP);
                        return;
                    }
                    passed(head);
                }
                case RETRY -> {
                    retryFromCheckpoint(head.error);
                    return;
                }
                case FATAL -> {
                    inFlight.clear();
                    loop.fail(head.error);
                    return;
                }
            }
        }
    }

    private void retryFromCheckpoint(Exception cause) {
        // Entries after the failed one that Kafka did take are sent again: duplicates, never a gap or a reorder.
        inFlight.clear();
        readPosition = checkpoint;
        closeReader();
        caughtUp = false;
        resumeAtNanos = System.nanoTime() + backoff.toNanos();
        backingOff = true;
        loop.log.warn("Sending key '{}' to {} failed ({}); resending from its checkpoint in {} ms", key,
                destination, cause.toString(), backoff.toMillis());
        backoff = min(backoff.multipliedBy(2), loop.options.maxRetryBackoff());
        loop.retried(this, cause);
    }

    private void passed(Pending pending) {
        moveCheckpoint(pending.ref);
        forwardedRetained++;
        oldestUnforwardedMillis = Long.MAX_VALUE;
    }

    private void moveCheckpoint(EntryRef ref) {
        checkpoint = ref;
        checkpointSequence = ref == null ? -1 : ref.sequenceNumber();
        loop.checkpointMoved();
    }

    /** Compaction deleted {@code entries} of this key, all of them at or before the checkpoint unless forced. */
    void entriesDeleted(long entries) {
        forwardedRetained = Math.max(0, forwardedRetained - entries);
    }

    void stop(String reason) {
        stoppedReason = reason;
        inFlight.clear();
        loop.log.error("Relay stopped forwarding key '{}': {}. Its checkpoint stays at {}; restart the relay after "
                + "fixing the cause", key, reason, checkpoint);
        publishLag(info(), System.nanoTime());
    }

    private void publishLag(KeyInfo info, long nowNanos) {
        lagPublishedNanos = nowNanos;
        long behind = info == null ? 0 : Math.max(0, info.entries() - forwardedRetained);
        long now = loop.nowMillis();
        Duration age = Duration.ZERO;
        if (behind == 0) {
            oldestUnforwardedMillis = Long.MAX_VALUE;
        } else {
            long since = inFlight.isEmpty() ? oldestUnforwardedMillis
                    : Math.min(oldestUnforwardedMillis, inFlight.peek().readAtMillis);
            oldestUnforwardedMillis = since == Long.MAX_VALUE ? now : since;
            age = Duration.ofMillis(Math.max(0, now - oldestUnforwardedMillis));
        }
        lag = new KeyLag(key, destination, checkpoint, behind, age, stoppedReason);
    }

    /** When the first entry after {@code checkpoint} was appended (epoch ms), {@code Long.MAX_VALUE} if none. */
    private long appendedAfter(EntryRef checkpoint) {
        try (Stream<WalRecord> records = loop.wal.enumerateEntriesAfter(checkpoint)) {
            return records.findFirst().map((record) -> loop.wal.appendedAt(record.ref()).toEpochMilli())
                .orElse(Long.MAX_VALUE);
        } catch (WalEntryNotFoundException e) {
            return Long.MAX_VALUE;
        }
    }

    private long countAfter(EntryRef from) {
        try (Stream<WalRecord> records = from == null ? loop.wal.enumerateEntries(key)
                : loop.wal.enumerateEntriesAfter(from)) {
            return records.count();
        } catch (WalEntryNotFoundException e) {
            return 0;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
