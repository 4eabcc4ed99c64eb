/**
 * nano-wal: a durable per-key write-ahead log. The API is {@code dev.nanowal}; everything else is internal.
 */
module dev.nanowal {
    exports dev.nanowal;
}
