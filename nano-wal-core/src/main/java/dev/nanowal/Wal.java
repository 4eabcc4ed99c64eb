package dev.nanowal;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** Stub: the API that the implementation fills in. */
public final class Wal implements AutoCloseable {

    public static final int MAX_HEADER_SIZE = 65_535;
    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_CONTENT_SIZE = Integer.MAX_VALUE - 65_535 - 64;

    private Wal() {
    }

    public static Wal open(Path directory) {
        return open(directory, WalOptions.defaults());
    }

    public static Wal open(Path directory, WalOptions options) {
        throw new UnsupportedOperationException();
    }

    public EntryRef appendEntry(String key, byte[] header, byte[] content, boolean durable) {
        throw new UnsupportedOperationException();
    }

    public EntryRef logEntry(String key, byte[] header, byte[] content) {
        return appendEntry(key, header, content, true);
    }

    public List<EntryRef> appendBatch(List<WalEntry> entries, boolean durable) {
        throw new UnsupportedOperationException();
    }

    public byte[] readEntryAt(EntryRef ref) {
        throw new UnsupportedOperationException();
    }

    public WalRecord readRecordAt(EntryRef ref) {
        throw new UnsupportedOperationException();
    }

    public Stream<byte[]> enumerateRecords(String key) {
        throw new UnsupportedOperationException();
    }

    public Stream<WalRecord> enumerateEntries(String key) {
        throw new UnsupportedOperationException();
    }

    public Stream<WalRecord> enumerateEntriesAfter(EntryRef checkpoint) {
        throw new UnsupportedOperationException();
    }

    public Set<String> enumerateKeys() {
        throw new UnsupportedOperationException();
    }

    public CompactionResult compact() {
        throw new UnsupportedOperationException();
    }

    public void sync() {
        throw new UnsupportedOperationException();
    }

    public WalStats stats() {
        throw new UnsupportedOperationException();
    }

    public Optional<KeyInfo> keyInfo(String key) {
        throw new UnsupportedOperationException();
    }

    public List<KeyInfo> keyInfos() {
        throw new UnsupportedOperationException();
    }

    public Optional<CompactionResult> lastCompaction() {
        throw new UnsupportedOperationException();
    }

    public Optional<WalIOException> lastWriteFailure() {
        throw new UnsupportedOperationException();
    }

    public Runnable addListener(WalListener listener) {
        throw new UnsupportedOperationException();
    }

    public Path directory() {
        throw new UnsupportedOperationException();
    }

    public WalOptions options() {
        throw new UnsupportedOperationException();
    }

    public boolean isOpen() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException();
    }

    public void shutdown() {
        throw new UnsupportedOperationException();
    }
}
