package dev.nanowal.internal.format;

/**
 * Bytes that are not what the format says: a damaged or foreign segment header or meta file. Checked, so
 * that every caller decides what it means there (the engine reports a {@code WalCorruptionException}, a
 * recovery may find a creation cut short, the CLI prints a problem line); the format itself knows nothing
 * of the API's exceptions.
 */
public final class FormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
