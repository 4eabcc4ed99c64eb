package dev.nanowal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Wal#openReadOnly}: what a view of a directory that a writer may have open reads, and that it writes nothing. */
class ReadOnlyViewTest {

    @TempDir
    Path dir;

    @Test
    void seesDurableEntriesTheJournalHoldsBeforeTheirSegmentDoesButNotTheWritersBuffer() throws IOException {
        try (Wal writer = Wal.open(dir); Wal view = Wal.openReadOnly(dir)) {
            List<EntryRef> durable = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                durable.add(writer.logEntry("k", bytes("h" + i), bytes("durable-" + i)));
            }
            assertThat(Files.size(SegmentFiles.segmentOf(dir, durable.get(0))))
                    .as("the durable entries are in the journal and the writer's buffer, not yet in the segment file")
                    .isLessThanOrEqualTo(durable.get(0).offset());

            assertThat(contents(view, "k")).containsExactly("durable-0", "durable-1", "durable-2");
            assertThat(view.readRecordAt(durable.get(1)).header()).isEqualTo(bytes("h1"));
            assertThat(view.keyInfo("k")).get().extracting(KeyInfo::entries).isEqualTo(3L);

            EntryRef buffered = writer.appendEntry("k", null, bytes("buffered"), false);
            assertThat(contents(view, "k")).as("a buffered entry waits in the writer's write buffer").hasSize(3);
            assertThatThrownBy(() -> view.readRecordAt(buffered)).isInstanceOf(WalEntryNotFoundException.class);

            writer.sync();
            assertThat(contents(view, "k")).endsWith("buffered");
            assertThat(view.readEntryAt(buffered)).isEqualTo(bytes("buffered"));
            try (Stream<WalRecord> after = view.enumerateEntriesAfter(durable.get(2))) {
                assertThat(after.map(r -> r.ref())).containsExactly(buffered);
            }
            assertThat(view.enumerateKeys()).containsExactly("k");
            assertThat(view.stats().keys()).isEqualTo(1);
            assertThat(view.stats().corruptionsDetected()).isZero();
        }
    }

    @Test
    void refusesEveryWriteAndChangesNoFile() throws IOException {
        EntryRef ref;
        try (Wal writer = Wal.open(dir)) {
            ref = writer.logEntry("k", null, bytes("one"));
        }
        Map<String, byte[]> before = files();
        Wal view = Wal.openReadOnly(dir);
        List<ThrowingCallable> writes = List.of(
                () -> view.appendEntry("k", null, bytes("x"), false),
                () -> view.logEntry("k", null, bytes("x")),
                () -> view.appendBatch(List.of(WalEntry.of("k", bytes("x"))), true),
                view::compact,
                view::sync,
                view::shutdown,
                () -> view.addCompactionGuard((key, sequence, newest) -> true),
                () -> view.appendEntryIf("k", ref, null, bytes("x"), true),
                () -> view.appendBatchIf(Map.of("k", ref), List.of(WalEntry.of("k", bytes("x"))), true),
                () -> view.cursor("c", "k").commit(ref),
                view::cursorRetentionGuard);
        for (ThrowingCallable write : writes) {
            assertThatThrownBy(write).isInstanceOf(WalReadOnlyException.class).hasMessageContaining("read-only")
                    .hasMessageContaining(dir.toAbsolutePath().toString());
        }
        assertThat(view.readEntryAt(ref)).isEqualTo(bytes("one"));
        assertThat(view.keyInfos()).hasSize(1);
        view.close();
        assertThatThrownBy(() -> view.readEntryAt(ref)).isInstanceOf(WalClosedException.class);
        assertThat(files()).as("names and bytes of every file").containsExactlyInAnyOrderEntriesOf(before);
    }

    @Test
    void aMissingDirectoryIsAnErrorAndIsNotCreated() {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> Wal.openReadOnly(missing)).isInstanceOf(WalException.class)
                .hasMessageContaining("does not exist");
        assertThat(missing).doesNotExist();
    }

    @Test
    void whatFollowsTheLastValidRecordOfANewestSegmentIsTheEndNeverCorruption() throws IOException {
        EntryRef last;
        try (Wal writer = Wal.open(dir)) {
            writer.logEntry("k", null, bytes("one"));
            last = writer.logEntry("k", null, bytes("two"));
        }
        Path segment = SegmentFiles.segmentOf(dir, last);
        long end = Files.size(segment);
        byte[] lastRecord = new byte[(int) (end - last.offset())];
        System.arraycopy(Files.readAllBytes(segment), (int) last.offset(), lastRecord, 0, lastRecord.length);
        // a record being written: its first 20 bytes (of a copy at the next offset), then zeros the writer preallocated
        SegmentFiles.write(segment, end, java.util.Arrays.copyOf(lastRecord, 20));
        SegmentFiles.write(segment, end + 20, new byte[4096]);
        EntryRef partial = new EntryRef(last.keyHash(), last.sequenceNumber(), end);

        try (Wal view = Wal.openReadOnly(dir)) {
            assertThat(contents(view, "k")).containsExactly("one", "two");
            assertThatThrownBy(() -> view.readRecordAt(partial)).isInstanceOf(WalEntryNotFoundException.class)
                    .hasMessageContaining("No complete entry");
            assertThat(view.keyInfo("k")).get().extracting(KeyInfo::entries).isEqualTo(2L);
            assertThat(view.stats().corruptionsDetected()).isZero();
        }
        assertThat(Files.size(segment)).as("the view cut nothing").isEqualTo(end + 20 + 4096);
    }

    @Test
    void damageFollowedByValidRecordsInAnOlderSegmentIsStillCorruption() throws IOException {
        EntryRef first;
        try (Wal writer = Wal.open(dir, WalOptions.builder().maxSegmentSize(4096).build())) {
            first = writer.logEntry("k", null, new byte[1000]);
            for (int i = 0; i < 12; i++) {
                writer.logEntry("k", null, new byte[1000]);
            }
        }
        assertThat(SegmentFiles.segments(dir)).hasSizeGreaterThan(2);
        SegmentFiles.flipBit(SegmentFiles.segmentOf(dir, first), first.offset() + 100, 3);
        try (Wal view = Wal.openReadOnly(dir); Stream<byte[]> all = view.enumerateRecords("k")) {
            assertThatThrownBy(() -> all.forEach(content -> { })).isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining("valid entries follow");
            assertThatThrownBy(() -> view.readRecordAt(first)).isInstanceOf(WalCorruptionException.class);
            assertThat(view.stats().corruptionsDetected()).isEqualTo(2);
        }
    }

    @Test
    void aSegmentTheWriterCompactsDisappearsCleanly() {
        MutableClock clock = MutableClock.startingAt("2026-03-01T10:00:00Z");
        WalOptions options = WalOptions.builder().clock(clock).entryRetention(Duration.ofHours(1)).build();
        try (Wal writer = Wal.open(dir, options); Wal view = Wal.openReadOnly(dir)) {
            List<EntryRef> refs = twentyEntriesSevenMinutesApart(writer, clock);
            assertThat(view.keyInfo("k")).get().extracting(KeyInfo::segments).isEqualTo(20);
            try (Stream<WalRecord> records = view.enumerateEntries("k")) {
                Iterator<WalRecord> open = records.iterator();
                assertThat(open.next().ref()).isEqualTo(refs.get(0));

                CompactionResult compacted = writer.compact();
                assertThat(compacted.segmentsDeleted()).isGreaterThan(5);

                List<EntryRef> rest = new ArrayList<>();
                open.forEachRemaining(r -> rest.add(r.ref()));
                assertThat(refs).as("what the open stream still returned, in order").containsSubsequence(rest);
                assertThat(rest).endsWith(refs.get(19));
            }
            assertThatThrownBy(() -> view.readRecordAt(refs.get(0))).isInstanceOf(WalEntryNotFoundException.class);
            assertThat(view.keyInfo("k")).get().extracting(KeyInfo::entries).isEqualTo(20L - writerDeleted(writer));
            try (Stream<WalRecord> after = view.enumerateEntriesAfter(refs.get(0))) {
                assertThat(after.map(WalRecord::ref).toList()).as("a checkpoint compacted away: every entry held")
                        .isEqualTo(refs.subList(refs.size() - (int) view.keyInfo("k").orElseThrow().entries(), 20));
            }
        }
    }

    @Test
    void aTailerFollowsTheWriterAndEndsWhenTheViewCloses() throws Exception {
        try (Wal writer = Wal.open(dir); Wal view = Wal.openReadOnly(dir)) {
            EntryRef first = writer.logEntry("k", null, bytes("one"));
            assertThat(view.lastEntry("k")).contains(first);
            WalTailer fromStart = view.tail("k", null);
            WalTailer afterFirst = view.tail("k", first);
            assertThat(fromStart.poll(Duration.ZERO).map(WalRecord::ref)).contains(first);
            assertThat(fromStart.poll(Duration.ZERO)).isEmpty();
            assertThat(afterFirst.poll(Duration.ZERO)).isEmpty();

            // the poll waits until the watch reports the writer's journal commit; no timeout is reached
            EntryRef second = writer.logEntry("k", null, bytes("two"));
            assertThat(fromStart.poll(Duration.ofMinutes(1)).map(WalRecord::ref)).contains(second);
            assertThat(afterFirst.poll(Duration.ofMinutes(1)).map(r -> new String(r.content(), UTF_8))).contains("two");
            assertThat(view.lastEntry("k")).contains(second);
            assertThat(fromStart.skipped()).isZero();

            assertThatThrownBy(() -> view.tail("other", first)).isInstanceOf(IllegalArgumentException.class);
            EntryRef nowhere = new EntryRef(first.keyHash(), first.sequenceNumber(), first.offset() + 8);
            assertThatThrownBy(() -> view.tail("k", nowhere)).isInstanceOf(WalEntryNotFoundException.class);

            CompletableFuture<Throwable> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    fromStart.poll(Duration.ofMinutes(10));
                    return null;
                } catch (WalClosedException e) {
                    return e;
                }
            });
            view.close();
            assertThat(waiting.get(1, TimeUnit.MINUTES)).as("a waiting poll ends when the view closes")
                    .isInstanceOf(WalClosedException.class);
            assertThatThrownBy(() -> afterFirst.poll(Duration.ZERO)).isInstanceOf(WalClosedException.class);
        }
    }

    @Test
    void aTailerWhoseSegmentWasCompactedGoesOnAtTheOldestEntryHeld() {
        MutableClock clock = MutableClock.startingAt("2026-03-01T10:00:00Z");
        WalOptions options = WalOptions.builder().clock(clock).entryRetention(Duration.ofHours(1)).build();
        try (Wal writer = Wal.open(dir, options); Wal view = Wal.openReadOnly(dir)) {
            List<EntryRef> refs = twentyEntriesSevenMinutesApart(writer, clock);
            WalTailer tailer = view.tail("k", refs.get(0));
            assertThat(writer.compact().segmentsDeleted()).isGreaterThan(5);
            EntryRef oldestHeld = writer.enumerateEntries("k").findFirst().orElseThrow().ref();
            assertThat(tailer.poll(Duration.ZERO).map(WalRecord::ref)).contains(oldestHeld);
            assertThat(tailer.skipped()).isEqualTo(1);
            WalTailer afterGone = view.tail("k", refs.get(1));
            assertThat(afterGone.poll(Duration.ZERO).map(WalRecord::ref)).contains(oldestHeld);
            assertThat(afterGone.skipped()).isEqualTo(1);
            assertThatThrownBy(() -> view.appendEntryIf("k", oldestHeld, null, bytes("x"), true))
                    .isInstanceOf(WalReadOnlyException.class);
        }
    }

    /** One segment each (a time slice is 6 minutes), over 140 minutes: a compaction then deletes those over an hour old. */
    private static List<EntryRef> twentyEntriesSevenMinutesApart(Wal writer, MutableClock clock) {
        List<EntryRef> refs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            refs.add(writer.logEntry("k", null, bytes("e" + i)));
            clock.advance(Duration.ofMinutes(7));
        }
        return refs;
    }

    private static long writerDeleted(Wal writer) {
        return writer.lastCompaction().orElseThrow().deletedSegments().stream()
                .mapToLong(CompactionResult.DeletedSegment::entries).sum();
    }

    private Map<String, byte[]> files() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path file : (Iterable<Path>) list::iterator) {
                files.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        return files;
    }

    private static List<String> contents(Wal wal, String key) {
        try (Stream<byte[]> records = wal.enumerateRecords(key)) {
            return records.map(r -> new String(r, UTF_8)).toList();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }
}
