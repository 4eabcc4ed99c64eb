/**
 * Following keys as they grow, for every kind of WAL view: {@link dev.nanowal.internal.tail.AppendSignals} (the
 * per-key wake-up that appends, or a file watcher, drive), {@link dev.nanowal.internal.tail.TailReader} (what a
 * view reads next, without waiting) and {@link dev.nanowal.internal.tail.SignalledTailer} (the public
 * {@code WalTailer}: read, else wait for a signal, read again). Knows nothing of segments or files: the engine
 * (or a read-only view) supplies the reader and signals the appends.
 */
package dev.nanowal.internal.tail;
