package dev.nanowal.internal.engine;

import dev.nanowal.EntryRef;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalDamage;
import dev.nanowal.internal.io.Storage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The damage opening isolated instead of refusing the whole WAL: each damaged file once, for {@code Wal.damage()},
 * the statistics, health and the log (FORMAT.md, "Damage, and what it takes down"). Filled by {@link Recovery}
 * and the meta file's reader at open, and by a read that finds damage in a sealed segment opening trusted.
 * Thread-safe.
 */
final class Quarantine {

    private static final System.Logger LOG = System.getLogger(WalEngine.LOGGER);

    private final List<WalDamage> damage = new CopyOnWriteArrayList<>();

    /** Records and logs (at ERROR) one damaged file; the event counts it as a corruption. */
    void add(WalDamage found, WalEvents events) {
        events.corrupt(new WalCorruptionException(list(found)));
    }

    /** Records and logs (at ERROR) damage that a read found, and counted, already; returns the log line. */
    String list(WalDamage found) {
        damage.add(found);
        String whose = found.key() == null ? (found.keyHash() == 0 ? "" : " (key hash "
                + Long.toHexString(found.keyHash()) + ", key unknown)") : " of key '" + found.key() + "'";
        String message = "Damaged file " + found.file() + whose + " at offset " + found.offset() + ": "
                + found.problem() + "; isolated, the rest of the WAL opened";
        LOG.log(System.Logger.Level.ERROR, message);
        return message;
    }

    /** The damage found, without segments deleted since (compaction deletes an expired damaged one too). */
    List<WalDamage> all(Storage storage) {
        List<WalDamage> present = new ArrayList<>(damage.size());
        for (WalDamage found : damage) {
            if (found.keyHash() == 0 || storage.exists(found.file())) {
                present.add(found);
            }
        }
        return present;
    }

    /**
     * Fails a read through {@code ref} when it names a segment whose header was unreadable: the segment was not
     * loaded, so without this the read would claim the entry does not exist.
     */
    void checkReadable(EntryRef ref) {
        for (WalDamage found : damage) {
            if (found.keyHash() == ref.keyHash() && found.sequenceNumber() == ref.sequenceNumber()
                    && found.key() == null) {
                throw new WalCorruptionException("Segment " + found.file() + " is damaged (" + found.problem()
                        + "), so the entry at " + ref + " cannot be read");
            }
        }
    }
}
