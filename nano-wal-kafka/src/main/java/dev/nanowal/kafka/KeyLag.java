package dev.nanowal.kafka;

import java.time.Duration;

import dev.nanowal.EntryRef;

/**
 * How far the relay is behind on one key.
 *
 * @param key the WAL key
 * @param destination where its entries go
 * @param checkpoint the last entry that Kafka acknowledged together with every earlier entry of the key, or
 *     {@code null} when none was
 * @param entriesBehind entries of the key not yet acknowledged by Kafka
 * @param oldestUnforwardedAge how long the oldest of those has been waiting: since it was appended (by the WAL's
 *     clock) for the entries held when the relay started, since the relay first saw it behind for later ones;
 *     {@link Duration#ZERO} when none is
 * @param stoppedReason why the key stopped (poison entry under {@link PoisonPolicy#STOP}, bad mapping), or
 *     {@code null} while it is forwarded
 */
public record KeyLag(String key, Destination destination, EntryRef checkpoint, long entriesBehind,
        Duration oldestUnforwardedAge, String stoppedReason) {
}
