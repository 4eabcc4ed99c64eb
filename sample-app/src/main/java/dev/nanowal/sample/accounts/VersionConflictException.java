package dev.nanowal.sample.accounts;

/**
 * The account is not at the version the request expected ({@code If-Match}), or another request appended to it
 * between this one's read and its append: HTTP 409. Nothing was appended; read the account again and retry.
 */
public class VersionConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    VersionConflictException(String message) {
        super(message);
    }
}
