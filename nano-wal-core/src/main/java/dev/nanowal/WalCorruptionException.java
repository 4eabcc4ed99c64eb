package dev.nanowal;

/**
 * Bytes on disk fail their checksum or framing: a flipped bit, a bad length, a foreign file, or corruption in the
 * middle of a segment. Wrong bytes are never returned as data.
 */
public class WalCorruptionException extends WalException {

    private static final long serialVersionUID = 1L;

    public WalCorruptionException(String message) {
        super(message);
    }

    public WalCorruptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
