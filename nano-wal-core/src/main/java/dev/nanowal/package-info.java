/**
 * The nano-wal API: {@link dev.nanowal.Wal}, its options, its value types and its exceptions. The only exported
 * package of the module.
 *
 * <p>{@code Wal} is a facade: it delegates every call to {@code dev.nanowal.internal.engine.WalEngine} and holds
 * no state or lock of its own. The value types here (entry references, records, statistics, exceptions) are
 * also what the engine returns and throws, so the engine imports them; nothing here imports the engine but
 * {@code Wal}. The limits ({@link dev.nanowal.Wal#MAX_HEADER_SIZE} and the others) are the format's, re-exported.
 *
 * <p>Layers, each calling only the ones below it:
 * <pre>
 * dev.nanowal                  API: Wal (facade), options, values, exceptions
 * dev.nanowal.cli              the operator's CLI, over the API and the read-only WalFiles/SegmentScan
 * dev.nanowal.internal.engine  WalEngine, Keys, KeyLog, Segment, Durability/GroupCommit, OpenFiles, Recovery,
 *                              KeyTailReader and Cursors (tailers and cursors over the keys)
 * dev.nanowal.internal.tail    AppendSignals (per-key wake-up), TailReader, SignalledTailer (the WalTailer)
 * dev.nanowal.internal.format  the bytes: records, seals, headers, names, meta file, the segment scan
 * dev.nanowal.internal.io      Storage (every file-system call), Interrupts, SegmentBytes
 * </pre>
 */
package dev.nanowal;
