package dev.nanowal;

/**
 * The WAL directory is already open, by this process or another; one writer per directory.
 */
public class WalLockedException extends WalException {

    private static final long serialVersionUID = 1L;

    public WalLockedException(String message) {
        super(message);
    }

    public WalLockedException(String message, Throwable cause) {
        super(message, cause);
    }
}
