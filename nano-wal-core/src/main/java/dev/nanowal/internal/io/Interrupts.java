package dev.nanowal.internal.io;

import java.util.function.Supplier;

/**
 * Sets the calling thread's interrupt status aside for a file I/O call on a segment's shared channel. A
 * {@link java.nio.channels.FileChannel} closes itself for every thread when an I/O call runs on an interrupted
 * thread ({@link java.nio.channels.ClosedByInterruptException}), so one caller's pending interrupt (a cancelled
 * task, a shutting-down executor) would fail the segment for all its writers and readers. The status is
 * restored afterwards, so the caller still sees it. An interrupt that arrives during the call still closes
 * the channel; the call then fails as on an I/O error.
 *
 * <pre>boolean interrupted = Interrupts.setAside();
 * try { ...I/O... } finally { Interrupts.restore(interrupted); }</pre>
 */
public final class Interrupts {

    private Interrupts() {
    }

    /** Clears the calling thread's interrupt status; returns whether it was set. */
    public static boolean setAside() {
        return Thread.interrupted();
    }

    /** Runs {@code call} with the interrupt status set aside, for a whole operation on several files. */
    public static <T> T asideDuring(Supplier<T> call) {
        boolean interrupted = setAside();
        try {
            return call.get();
        } finally {
            restore(interrupted);
        }
    }

    /** Sets the interrupt status again if {@link #setAside()} found it set. */
    public static void restore(boolean interrupted) {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
