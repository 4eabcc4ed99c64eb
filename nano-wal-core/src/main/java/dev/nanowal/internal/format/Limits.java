package dev.nanowal.internal.format;

/** The sizes the format can hold; {@code dev.nanowal.Wal} re-exports them as its public limits. */
public final class Limits {

    /** The largest entry header, in bytes: its length is stored in 16 bits. */
    public static final int MAX_HEADER_SIZE = 65_535;
    /** The longest key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;
    /** The largest content, in bytes (a Java array's limit, less a record's header). */
    public static final int MAX_CONTENT_SIZE = Integer.MAX_VALUE - MAX_HEADER_SIZE - 64;

    private Limits() {
    }
}
