/**
 * The file system, below everything else. {@link dev.nanowal.internal.io.Storage} carries every call the WAL
 * makes on a path (open, create, rename, delete, list, lock, directory fsync, the atomic small-file write), so
 * that durability rules are written once and the tests' fault-injecting and crash-simulating storages reach
 * every one of them. {@link dev.nanowal.internal.io.Interrupts} keeps a caller's interrupt from closing a
 * shared channel; {@link dev.nanowal.internal.io.SegmentBytes} is a segment's bytes as a reader sees them.
 * Stateless, or owned by one caller: no locks here.
 *
 * <p>Exported only to the Kafka relay ({@code dev.nanowal.kafka}), which writes its checkpoint file with
 * {@link dev.nanowal.internal.io.Storage#writeAtomically}: one implementation of temp file, fsync, rename and
 * directory fsync instead of two.
 */
package dev.nanowal.internal.io;
