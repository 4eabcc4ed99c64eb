/**
 * The on-disk format, version 1, exactly as {@code FORMAT.md} (beside the module's pom) describes it: records
 * and seals ({@link dev.nanowal.internal.format.Frames}), the segment header
 * ({@link dev.nanowal.internal.format.SegmentHeader}), file names ({@link dev.nanowal.internal.format.SegmentNames},
 * {@link dev.nanowal.internal.format.SegmentListing}), the meta file
 * ({@link dev.nanowal.internal.format.SequenceFloor}), the key hash and validation
 * ({@link dev.nanowal.internal.format.KeyNames}), the limits ({@link dev.nanowal.internal.format.Limits}), the
 * record reader ({@link dev.nanowal.internal.format.RecordCursor}) and the verdict on how a segment ends
 * ({@link dev.nanowal.internal.format.SegmentScan}), which recovery and the CLI share, counting records
 * through {@link dev.nanowal.internal.format.RecordTally} as the read-only view does.
 *
 * <p>Imports nothing from the engine or the API: damage is a verdict or a checked
 * {@link dev.nanowal.internal.format.FormatException}, which callers map to their own errors. Field positions are
 * named constants, one per field, in the class that owns the structure. No state is shared: encoders and
 * cursors belong to one thread (a segment's encoder is used under its key's lock); everything else is static.
 */
package dev.nanowal.internal.format;
