package dev.nanowal.internal.engine;

import dev.nanowal.BackupResult;
import dev.nanowal.CompactionGuard;
import dev.nanowal.CompactionResult;
import dev.nanowal.CursorInfo;
import dev.nanowal.DiskState;
import dev.nanowal.FsyncLatency;
import dev.nanowal.EntryRef;
import dev.nanowal.JournalStats;
import dev.nanowal.KeyInfo;
import dev.nanowal.WalEntry;
import dev.nanowal.WalIOException;
import dev.nanowal.WalListener;
import dev.nanowal.WalOptions;
import dev.nanowal.WalRecord;
import dev.nanowal.WalAppendWatch;
import dev.nanowal.WalCursor;
import dev.nanowal.WalDamage;
import dev.nanowal.WalStats;
import dev.nanowal.WalTailer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the facade {@code Wal} delegates every call to: the writing {@link WalEngine}, or a {@link ReadOnlyEngine}
 * that refuses writes. A method added to {@code Wal} is added here, so that the read-only view must decide what
 * it does (serve it, or refuse it with {@code WalReadOnlyException}).
 */
public interface WalBackend {

    EntryRef append(String key, byte[] header, byte[] content, boolean durable);

    List<EntryRef> appendBatch(List<WalEntry> entries, boolean durable);

    List<EntryRef> appendBatchIf(Map<String, EntryRef> expectedLast, List<WalEntry> entries, boolean durable);

    EntryRef appendIf(String key, EntryRef expectedLast, byte[] header, byte[] content, boolean durable);

    Optional<EntryRef> lastEntry(String key);

    WalTailer tail(String key, EntryRef after);

    WalAppendWatch watchAppends();

    WalCursor cursor(String name, String key);

    List<CursorInfo> cursors();

    CompactionGuard cursorRetentionGuard();

    WalRecord read(EntryRef ref);

    Instant appendedAt(EntryRef ref);

    Stream<byte[]> contents(String key);

    Stream<WalRecord> records(String key);

    Stream<WalRecord> intactRecords(String key);

    List<WalDamage> damage();

    Stream<WalRecord> recordsAfter(EntryRef checkpoint);

    Set<String> keys();

    CompactionResult compact();

    void sync();

    BackupResult backup(Path target);

    WalStats stats();

    JournalStats journalStats();

    Optional<KeyInfo> keyInfo(String key);

    List<KeyInfo> keyInfos();

    Optional<CompactionResult> lastCompaction();

    Optional<WalIOException> lastWriteFailure();

    FsyncLatency fsyncLatency(Duration window);

    DiskState diskState();

    Runnable addListener(WalListener listener);

    Runnable addCompactionGuard(CompactionGuard guard);

    Path directory();

    WalOptions options();

    boolean isOpen();

    void close();

    void shutdown();
}
