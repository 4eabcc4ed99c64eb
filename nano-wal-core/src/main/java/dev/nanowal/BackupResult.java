package dev.nanowal;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one {@link Wal#backup(Path)} wrote.
 *
 * @param target the backup's directory, absolute
 * @param filesLinked segment files hard-linked (sealed, fully fsynced segments on the WAL's file system)
 * @param filesCopied segment files copied (active segments up to their fsynced length, and every segment when
 *     the target is on another file system)
 * @param bytes the size of the backup's segment files
 * @param bytesCopied how many of those bytes were copied rather than linked
 * @param keys the keys with entries in the backup
 * @param entries the entries in the backup
 * @param took how long the backup took, from the call to the return
 */
public record BackupResult(Path target, int filesLinked, int filesCopied, long bytes, long bytesCopied, int keys,
        long entries, Duration took) {
}
