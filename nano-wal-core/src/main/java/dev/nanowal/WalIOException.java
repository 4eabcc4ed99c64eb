package dev.nanowal;

import java.io.IOException;

/**
 * The operating system refused an operation: disk full, an I/O error, a permission problem. The failing
 * call did not take effect; entries acknowledged before it are unaffected, and the WAL keeps serving reads
 * and accepts appends again once the cause (for example a full disk) is gone.
 */
public class WalIOException extends WalException {

    private static final long serialVersionUID = 1L;

    public WalIOException(String message) {
        super(message);
    }

    public WalIOException(String message, IOException cause) {
        super(message + ": " + cause, cause);
    }

    /** Whether the cause looks like a full disk ({@code ENOSPC}). */
    public boolean isDiskFull() {
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            String text = t.getMessage();
            if (text != null && text.contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }
}
