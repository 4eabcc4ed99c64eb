package dev.nanowal;

/**
 * The WAL was closed (or shut down) before or during the call.
 */
public class WalClosedException extends WalException {

    private static final long serialVersionUID = 1L;

    public WalClosedException(String message) {
        super(message);
    }

    public WalClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
