package dev.nanowal;

/**
 * An {@link EntryRef} that does not resolve to an entry: its key or segment is unknown or was compacted, or no entry
 * starts at its offset (a forged or stale reference).
 */
public class WalEntryNotFoundException extends WalException {

    private static final long serialVersionUID = 1L;

    public WalEntryNotFoundException(String message) {
        super(message);
    }

    public WalEntryNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
