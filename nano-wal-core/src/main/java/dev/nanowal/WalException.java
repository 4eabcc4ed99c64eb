package dev.nanowal;

/**
 * The root of every failure the WAL reports. Unchecked, so the API can be used in lambdas and streams.
 * Subtypes say what went wrong: {@link WalCorruptionException}, {@link WalEntryNotFoundException},
 * {@link WalConflictException}, {@link WalClosedException}, {@link WalLockedException},
 * {@link WalLimitExceededException}, {@link WalReadOnlyException} and {@link WalIOException}.
 */
public class WalException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WalException(String message) {
        super(message);
    }

    public WalException(String message, Throwable cause) {
        super(message, cause);
    }
}
