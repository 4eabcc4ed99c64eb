package dev.nanowal.spring.boot.autoconfigure;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import dev.nanowal.CompactionResult;
import dev.nanowal.Wal;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Runs {@link Wal#compact()} for the schedule and for the Actuator endpoint alike, one at a time, logging and
 * counting failures (the core counts only the compactions that succeeded).
 */
public final class NanoWalCompactor {

    private static final Log logger = LogFactory.getLog(NanoWalCompactor.class);

    private final Wal wal;

    // A lock rather than "skip if busy": a caller asking to compact now expects a result, not a no-op.
    private final Lock lock = new ReentrantLock();

    private final AtomicLong failures = new AtomicLong();

    public NanoWalCompactor(Wal wal) {
        this.wal = wal;
    }

    /**
     * Compacts now, after any compaction already running has finished.
     *
     * @return what was deleted
     * @throws dev.nanowal.WalException when the compaction failed (it is logged and counted too)
     */
    public CompactionResult compact() {
        this.lock.lock();
        try {
            CompactionResult result = this.wal.compact();
            if (result.segmentsDeleted() > 0) {
                logger.info("nano-wal compaction deleted " + result.segmentsDeleted() + " segment(s), "
                        + result.bytesDeleted() + " bytes, from " + this.wal.directory());
            }
            return result;
        }
        catch (RuntimeException ex) {
            this.failures.incrementAndGet();
            logger.warn("nano-wal compaction of " + this.wal.directory() + " failed", ex);
            throw ex;
        }
        finally {
            this.lock.unlock();
        }
    }

    /** How many compactions failed since this compactor was created. */
    public long failures() {
        return this.failures.get();
    }
}
