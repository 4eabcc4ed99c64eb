package dev.nanowal.bench;

/**
 * One subject's write side, as the write workloads drive it. Keys are small integers; each subject maps them
 * to its own notion of a key (a nano-wal key, a file, a queue).
 */
interface BenchLog extends AutoCloseable {

    /** Appends without waiting for stable storage (W1, W2, W5). Single-threaded. */
    void append(int key, byte[] payload);

    /**
     * Appends the payloads in order without waiting for stable storage (W1B), the subject's way of taking many
     * at once; a subject without one appends them one by one, as the raw writer does. Single-threaded.
     */
    default void appendBatch(int key, byte[][] payloads) {
        for (byte[] payload : payloads) {
            append(key, payload);
        }
    }

    /** Appends and returns once the record is on stable storage (W3, W4). Thread-safe. */
    void appendDurable(int key, byte[] payload);

    /** Makes everything appended so far durable. */
    void sync();

    /** Something the subject observed about the run (e.g. fsync batch sizes), or null. */
    default String observed() {
        return null;
    }

    @Override
    void close();
}
