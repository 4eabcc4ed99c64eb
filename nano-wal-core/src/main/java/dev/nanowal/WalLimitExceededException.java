package dev.nanowal;

/**
 * An entry is larger than a documented limit (the header at most 65,535 bytes, the content at most {@link
 * Wal#MAX_CONTENT_SIZE} bytes). Nothing was written.
 */
public class WalLimitExceededException extends WalException {

    private static final long serialVersionUID = 1L;

    public WalLimitExceededException(String message) {
        super(message);
    }

    public WalLimitExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}
