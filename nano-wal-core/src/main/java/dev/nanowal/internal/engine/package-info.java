/**
 * The engine: what one open WAL does with its keys, segments, fsyncs and files. {@link
 * dev.nanowal.internal.engine.WalEngine} is the one entry point (the facade {@code Wal} delegates to it); calls go
 * one way, {@code WalEngine -> Keys -> KeyLog -> Segment -> SegmentWriter -> SegmentFile -> Storage} (every write
 * through {@code Appends}, between {@code WalEngine} and {@code KeyLog}; a segment's write buffer in its {@code
 * SegmentWriter}; the classes of a first append loaded at open by {@code AppendPath}), with a segment's fsyncs in
 * {@code SegmentFsync -> Durability -> GroupCommit} and the open-file cap in {@code OpenFiles}; {@code RecordReader} and {@code
 * EntryIterator} read through a segment's snapshot, {@code SyncPool} runs the per-key syncs of a sync of every key,
 * {@code Checkpoints} the commit journal's checkpoints and the close's last sync, {@code WalOpening} the open
 * sequence, in which {@code Recovery} builds the segments from the format's {@code SegmentScan}. {@code
 * ReadOnlyEngine} is the other entry point, for a read-only view: {@code ReadOnlyKeys -> ReadOnlySegment}, with the
 * journal's ranges from {@code ReadOnlyJournal}, enumeration in {@code ReadOnlyIterator} and tailing in {@code
 * ReadOnlyTailer} woken by {@code DirectoryWatch}; it shares with the writing engine the format's readers, the walk
 * over a key's segments ({@code SegmentWalk}, under both enumerations) and a tailer's progress ({@code
 * TailProgress}). The engine uses the API's value and exception types; it never calls {@code Wal}.
 *
 * <p>Locks, from outer to inner (a thread holding one never waits for an outer one):
 * <ol>
 *   <li>{@code WalEngine}'s compaction lock (one compaction at a time) and close lock (marking closed), then the
 *       checkpoint lock ({@code Checkpoints}: one checkpoint or sync at a time, compaction's deletions too);
 *   <li>a key's lock ({@code KeyLog}), shared by all its segments: every append, rotation, seal, flush and the
 *       use of a segment's channel and buffer hold it; different keys never share one;
 *   <li>the group commit of a segment ({@code Durability}): a thread waits there for an fsync <em>without</em>
 *       holding the key's lock, which the fsync's leader takes briefly to flush and pin the file;
 *   <li>{@code OpenFiles} and {@code Keys} use concurrent collections and short monitors of their own; the
 *       open-file cap closes idle files with {@code tryLock} on their key's lock, so eviction never waits.
 * </ol>
 * The append path takes the key's lock once and allocates nothing but its {@code EntryRef}.
 */
package dev.nanowal.internal.engine;
