package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalClosedException;
import dev.nanowal.WalConflictException;
import dev.nanowal.WalEntry;
import dev.nanowal.WalLimitExceededException;
import dev.nanowal.WalOptions;
import dev.nanowal.internal.format.Frames;
import dev.nanowal.internal.format.KeyNames;
import dev.nanowal.internal.format.Limits;
import dev.nanowal.internal.tail.AppendSignals;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Every write of an open WAL: one entry, a conditional one, a batch and a conditional batch, each checked, let
 * through the {@link DiskGate}, appended under its keys' locks (a conditional batch takes them in the order of their
 * hashes, so two never deadlock), made durable with one journal commit for the whole call when asked, counted and
 * signalled to the tailers. {@link WalEngine} delegates its appends here.
 */
final class Appends {

    private final WalOptions options;
    private final WalEvents events;
    private final Keys keys;
    private final AppendSignals signals;
    private final DiskGate diskGate;
    /** The commit journal, or null when the WAL runs without it. */
    private final Journal journal;
    private final BooleanSupplier closed;
    private final Supplier<WalClosedException> closedException;

    Appends(WalOptions options, WalEvents events, Keys keys, AppendSignals signals, DiskGate diskGate, Journal journal,
            BooleanSupplier closed, Supplier<WalClosedException> closedException) {
        this.options = options;
        this.events = events;
        this.keys = keys;
        this.signals = signals;
        this.diskGate = diskGate;
        this.journal = journal;
        this.closed = closed;
        this.closedException = closedException;
    }

    EntryRef append(String key, byte[] header, byte[] content, boolean durable) {
        byte[] checkedHeader = checkEntry(header, content);
        return appendTo(keys.logFor(key), false, null, checkedHeader, content, durable);
    }

    /** {@link #append} if {@code key}'s newest entry is {@code expectedLast} (null: if it has none). */
    EntryRef appendIf(String key, EntryRef expectedLast, byte[] header, byte[] content, boolean durable) {
        byte[] checkedHeader = checkEntry(header, content);
        // the key's log knows its hash: encoding and hashing the key again would be work done twice per append
        KeyLog log = keys.logFor(key);
        if (expectedLast != null && expectedLast.keyHash() != log.keyHash()) {
            throw new IllegalArgumentException("expectedLast " + expectedLast + " is an entry of another key (hash "
                    + Long.toHexString(expectedLast.keyHash()) + "), not of '" + key + "' (hash "
                    + Long.toHexString(log.keyHash()) + ")");
        }
        return appendTo(log, true, expectedLast, checkedHeader, content, durable);
    }

    /** One entry to one key, conditional or not: the disk gate, the append, the tailers' wake-up, the counts. */
    private EntryRef appendTo(KeyLog log, boolean conditional, EntryRef expectedLast, byte[] header, byte[] content,
            boolean durable) {
        diskGate.admit(log, durable);
        EntryRef ref;
        try {
            ref = lockLive(log).appendAndUnlock(conditional, expectedLast, now(), header, content, durable, journal);
        } finally {
            // also when a durable append failed: its entry may be readable all the same
            signals.appended(log.keyHash());
        }
        events.appended(1, (long) header.length + content.length, durable);
        return ref;
    }

    List<EntryRef> appendBatch(List<WalEntry> entries, boolean durable) {
        Objects.requireNonNull(entries, "entries must not be null");
        int count = entries.size();
        // A batch usually runs of one key: its checks and lookup are done once per run, not once per entry.
        String previous = null;
        boolean oneKey = true;
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            WalEntry entry = entries.get(i);
            bytes += checkEntry(entry);
            if (!entry.key().equals(previous)) {
                // a key with a log passed this check when its log was made: encoding it again per batch was a
                // twentieth of a batch's time
                if (keys.byName(entry.key()) == null) {
                    KeyNames.utf8(entry.key());
                }
                oneKey = previous == null;
                previous = entry.key();
            }
        }
        // one clock read for the whole batch: its entries are appended together
        long now = now();
        List<EntryRef> refs = oneKey && count > 0
                ? appendOneKey(keys.logFor(previous), now, entries, bytes, durable)
                : appendKeys(now, entries, durable);
        events.appended(count, bytes, durable);
        return refs;
    }

    /** A batch to one key: one hold of its lock, and nothing allocated but the references. */
    private List<EntryRef> appendOneKey(KeyLog key, long now, List<WalEntry> entries, long bytes, boolean durable) {
        diskGate.admit(key, durable);
        BatchRefs refs = BatchRefs.ofOneKey(entries.size(), key.keyHash());
        BatchSyncs toSync = durable ? new BatchSyncs() : null;
        try {
            appendRun(key, now, entries, bytes, null, refs, toSync);
            if (durable) {
                toSync.syncAll();
            }
        } finally {
            signals.appended(key.keyHash());
        }
        return refs;
    }

    /** A batch to several keys: each key's entries under one hold of its lock, then one wait for all of them. */
    private List<EntryRef> appendKeys(long now, List<WalEntry> entries, boolean durable) {
        Map<KeyLog, List<Integer>> byKey = byKey(entries);
        for (KeyLog log : byKey.keySet()) {
            diskGate.admit(log, durable);
        }
        BatchRefs refs = BatchRefs.ofKeys(entries.size());
        BatchSyncs toSync = durable ? new BatchSyncs() : null;
        try {
            for (Map.Entry<KeyLog, List<Integer>> key : byKey.entrySet()) {
                appendRun(key.getKey(), now, entries, 0, key.getValue(), refs, toSync);
            }
            if (durable) {
                toSync.syncAll();
            }
        } finally {
            for (KeyLog log : byKey.keySet()) {
                signals.appended(log.keyHash());
            }
        }
        return refs;
    }

    /**
     * Appends one key's entries of a batch under one hold of its lock: the {@code indexes} given, or all of them
     * (holding {@code bytes} of headers and contents) when null; adds what makes them durable to {@code toSync}
     * unless that is null.
     */
    private void appendRun(KeyLog key, long now, List<WalEntry> entries, long bytes, List<Integer> indexes,
            BatchRefs refs, BatchSyncs toSync) {
        KeyLog log = lockLive(key);
        try {
            if (indexes == null) {
                log.appendAllLocked(now, entries, bytes, refs);
            } else {
                for (int i : indexes) {
                    WalEntry entry = entries.get(i);
                    refs.put(i, log.appendLocked(now, Frames.headerOrNone(entry.header()), entry.content(), false));
                }
            }
            if (toSync != null) {
                log.addDurableTo(toSync, journal);
            }
        } finally {
            log.unlock();
        }
    }

    /**
     * {@link #appendBatch} if every key of the batch ends at its expected entry (null: holds none), decided with the
     * locks of all its keys held, taken in the order of their hashes so that two such batches never deadlock; on a
     * conflict nothing is written.
     */
    List<EntryRef> appendBatchIf(Map<String, EntryRef> expectedLast, List<WalEntry> entries, boolean durable) {
        Objects.requireNonNull(expectedLast, "expectedLast must not be null");
        Objects.requireNonNull(entries, "entries must not be null");
        long bytes = 0;
        for (WalEntry entry : entries) {
            bytes += checkEntry(entry);
        }
        Map<KeyLog, List<Integer>> byKey = byKey(entries);
        checkExpectations(expectedLast, byKey.keySet());
        for (KeyLog log : byKey.keySet()) {
            diskGate.admit(log, durable);
        }
        List<KeyLog> order = new ArrayList<>(byKey.keySet());
        order.sort(Comparator.comparingLong(KeyLog::keyHash));
        Map<Long, KeyLog> locked = new HashMap<>();
        BatchRefs refs = BatchRefs.ofKeys(entries.size());
        BatchSyncs toSync = new BatchSyncs();
        long now = now();
        boolean written = false;
        try {
            try {
                for (KeyLog log : order) {
                    locked.put(log.keyHash(), lockLive(log));
                }
                for (KeyLog key : byKey.keySet()) {
                    KeyLog log = locked.get(key.keyHash());
                    EntryRef actual = log.lastLocked();
                    EntryRef expected = expectedLast.get(log.key());
                    if (!Objects.equals(actual, expected)) {
                        throw new WalConflictException("Key '" + log.key() + "' ends at "
                                + (actual == null ? "no entry" : actual) + ", not at the expected "
                                + (expected == null ? "no entry" : expected) + ". Nothing of the batch was written",
                                actual);
                    }
                }
                written = true;
                for (Map.Entry<KeyLog, List<Integer>> key : byKey.entrySet()) {
                    KeyLog log = locked.get(key.getKey().keyHash());
                    for (int i : key.getValue()) {
                        WalEntry entry = entries.get(i);
                        refs.put(i, log.appendLocked(now, Frames.headerOrNone(entry.header()), entry.content(), false));
                    }
                    if (durable) {
                        log.addDurableTo(toSync, journal);
                    }
                }
            } finally {
                locked.values().forEach(KeyLog::unlock);
            }
            if (durable) {
                toSync.syncAll();
            }
        } finally {
            if (written) {
                for (KeyLog log : byKey.keySet()) {
                    signals.appended(log.keyHash());
                }
            }
        }
        events.appended(entries.size(), bytes, durable);
        return refs;
    }

    /** One expected entry per key of a conditional batch, of that key, and none for a key it does not write. */
    private static void checkExpectations(Map<String, EntryRef> expectedLast, Set<KeyLog> written) {
        Set<String> keysWritten = new TreeSet<>();
        for (KeyLog log : written) {
            keysWritten.add(log.key());
            if (!expectedLast.containsKey(log.key())) {
                throw new IllegalArgumentException("expectedLast has no entry for key '" + log.key() + "', which the "
                        + "batch writes; give each key of the batch its newest entry as read (null: it holds none)");
            }
            EntryRef expected = expectedLast.get(log.key());
            if (expected != null && expected.keyHash() != log.keyHash()) {
                throw new IllegalArgumentException("expectedLast " + expected + " of key '" + log.key() + "' is an "
                        + "entry of another key (hash " + Long.toHexString(expected.keyHash()) + ")");
            }
        }
        for (String key : expectedLast.keySet()) {
            if (!keysWritten.contains(key)) {
                throw new IllegalArgumentException("expectedLast names key '" + key + "', which the batch does not "
                        + "write; it takes one expected entry for each key of the batch, and no other");
            }
        }
    }

    /** The entries' indexes by key, keys in the order of their first entry. */
    private Map<KeyLog, List<Integer>> byKey(List<WalEntry> entries) {
        Map<KeyLog, List<Integer>> byKey = new LinkedHashMap<>();
        String previous = null;
        List<Integer> run = null;
        for (int i = 0; i < entries.size(); i++) {
            String key = entries.get(i).key();
            if (!key.equals(previous)) {
                run = byKey.computeIfAbsent(keys.logFor(key), log -> new ArrayList<>());
                previous = key;
            }
            run.add(i);
        }
        return byKey;
    }

    /** Locks the key's log, replacing it when compaction retired it meanwhile. */
    private KeyLog lockLive(KeyLog log) {
        KeyLog candidate = log;
        while (true) {
            if (closed.getAsBoolean()) {
                throw closedException.get();
            }
            if (candidate.lockForAppend()) {
                if (closed.getAsBoolean()) {
                    candidate.unlock();
                    throw closedException.get();
                }
                return candidate;
            }
            candidate = keys.logFor(candidate.key());
        }
    }

    /** Checks one entry of a batch; returns its bytes of header and content. */
    private static long checkEntry(WalEntry entry) {
        Objects.requireNonNull(entry, "entries must not hold null");
        return checkEntry(entry.header(), entry.content()).length + entry.content().length;
    }

    private static byte[] checkEntry(byte[] header, byte[] content) {
        Objects.requireNonNull(content, "content must not be null");
        byte[] checked = Frames.headerOrNone(header);
        if (checked.length > Limits.MAX_HEADER_SIZE) {
            throw new WalLimitExceededException("The header is " + checked.length + " bytes; the limit is "
                    + Limits.MAX_HEADER_SIZE + " bytes. Nothing was written");
        }
        if (content.length > Limits.MAX_CONTENT_SIZE) {
            throw new WalLimitExceededException("The content is " + content.length + " bytes; the limit is "
                    + Limits.MAX_CONTENT_SIZE + " bytes. Nothing was written");
        }
        return checked;
    }

    private long now() {
        return options.clock().millis();
    }
}
