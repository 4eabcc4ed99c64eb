package dev.nanowal.bench;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalEntry;
import dev.nanowal.WalListener;
import dev.nanowal.WalOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.nio.file.Path;
import java.util.stream.Stream;

/** nano-wal with default options: one {@link Wal}, keys {@code k0 .. k(n-1)}. */
final class NanoWalSubject {

    private NanoWalSubject() {
    }

    static String[] keys(int count) {
        String[] keys = new String[count];
        for (int i = 0; i < count; i++) {
            keys[i] = "k" + i;
        }
        return keys;
    }

    static final class Log implements BenchLog {
        private final Wal wal;
        private final String[] keys;
        private final LongAdder fsyncs = new LongAdder();
        private final LongAdder fsyncNanos = new LongAdder();
        private final LongAdder fsyncedAppends = new LongAdder();
        private final LongAdder journalCommits = new LongAdder();
        private final LongAdder journalNanos = new LongAdder();
        private final LongAdder journalEntries = new LongAdder();
        private byte[][] batchPayloads;
        private int batchKey;
        private List<WalEntry> batch;

        Log(Path dir, int keyCount) {
            this(dir, keyCount, WalOptions.defaults());
        }

        Log(Path dir, int keyCount, WalOptions options) {
            this.wal = Wal.open(dir, options);
            this.keys = keys(keyCount);
            wal.addListener(new WalListener() {
                @Override
                public void onSync(Duration duration, int waiters) {
                    fsyncs.increment();
                    fsyncNanos.add(duration.toNanos());
                    fsyncedAppends.add(waiters);
                }

                @Override
                public void onJournalCommit(Duration duration, int entries, int keyCount) {
                    journalCommits.increment();
                    journalNanos.add(duration.toNanos());
                    journalEntries.add(entries);
                }
            });
        }

        @Override
        public String observed() {
            long count = fsyncs.sum();
            long commits = journalCommits.sum();
            String segments = count == 0 ? null : String.format(Locale.ROOT,
                    "%.1f appends per segment fsync, fsync avg %.0f us", (double) fsyncedAppends.sum() / count,
                    fsyncNanos.sum() / 1e3 / count);
            String journal = commits == 0 ? null : String.format(Locale.ROOT,
                    "%.1f entries per journal commit, commit avg %.0f us", (double) journalEntries.sum() / commits,
                    journalNanos.sum() / 1e3 / commits);
            return segments == null ? journal : journal == null ? segments : segments + "; " + journal;
        }

        @Override
        public void append(int key, byte[] payload) {
            wal.appendEntry(keys[key], null, payload, false);
        }

        /**
         * The entries are built once per payload array, as the raw writer gets its payloads ready-made: W1B
         * measures the WAL's cost per entry, not the caller's allocations.
         */
        @Override
        public void appendBatch(int key, byte[][] payloads) {
            if (payloads != batchPayloads || key != batchKey) {
                batch = Stream.of(payloads).map(p -> WalEntry.of(keys[key], p)).toList();
                batchPayloads = payloads;
                batchKey = key;
            }
            wal.appendBatch(batch, false);
        }

        @Override
        public void appendDurable(int key, byte[] payload) {
            wal.appendEntry(keys[key], null, payload, true);
        }

        @Override
        public void sync() {
            wal.sync();
        }

        int openFiles() {
            return (int) wal.stats().openFiles();
        }

        @Override
        public void close() {
            wal.close();
        }
    }

    static final class Reader implements ReadSubject {
        private final Wal wal;
        private final EntryRef[] refs;

        Reader(Path dir, int records, byte[] payload) {
            this.wal = Wal.open(dir);
            this.refs = new EntryRef[records];
            for (int i = 0; i < records; i++) {
                refs[i] = wal.appendEntry("k0", null, payload, false);
            }
            wal.sync();
        }

        @Override
        public long scanAll() {
            long bytes = 0;
            try (Stream<byte[]> records = wal.enumerateRecords("k0")) {
                var it = records.iterator();
                while (it.hasNext()) {
                    bytes += it.next().length;
                }
            }
            return bytes;
        }

        @Override
        public byte[] readAt(int i) {
            return wal.readEntryAt(refs[i]);
        }

        @Override
        public void close() {
            wal.close();
        }
    }
}
