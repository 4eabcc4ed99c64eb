package dev.nanowal.bench;

/** One subject's read side: R1 scans one key's records, R2 reads records at remembered positions. */
interface ReadSubject extends AutoCloseable {

    /** Reads every record of the key in order, copying each payload out; returns the payload bytes read. */
    long scanAll();

    /** Reads the {@code i}-th record appended (by the position remembered at append time). */
    byte[] readAt(int i);

    @Override
    void close();
}
