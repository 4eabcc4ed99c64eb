/**
 * nano-wal: a durable per-key write-ahead log. The API is {@code dev.nanowal}; everything else is internal.
 *
 * <p>{@code dev.nanowal.internal.io} is exported to the Kafka relay alone, for {@code Storage.writeAtomically}:
 * its checkpoint file needs the same temp file, fsync, rename and directory fsync as the WAL's meta file, and
 * one implementation of that rule is safer than two. A qualified export keeps it out of the API.
 */
module dev.nanowal {
    exports dev.nanowal;
    exports dev.nanowal.internal.io to dev.nanowal.kafka;
}
