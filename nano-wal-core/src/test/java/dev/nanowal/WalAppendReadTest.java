package dev.nanowal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalAppendReadTest {

    @TempDir
    Path dir;

    @Test
    void appendsReadBackByReferenceAndInOrder() {
        try (Wal wal = Wal.open(dir)) {
            EntryRef first = wal.appendEntry("user:123", null, bytes("alice"), false);
            EntryRef second = wal.appendEntry("user:123", bytes("meta:v=1"), bytes("alice-2"), true);
            EntryRef other = wal.logEntry("user:456", null, bytes("bob"));

            assertThat(wal.readEntryAt(first)).isEqualTo(bytes("alice"));
            assertThat(wal.readRecordAt(second).header()).isEqualTo(bytes("meta:v=1"));
            assertThat(wal.readRecordAt(first).header()).isEmpty();
            assertThat(wal.readEntryAt(other)).isEqualTo(bytes("bob"));
            try (Stream<byte[]> records = wal.enumerateRecords("user:123")) {
                assertThat(records.map(r -> new String(r, UTF_8))).containsExactly("alice", "alice-2");
            }
            assertThat(wal.enumerateKeys()).containsExactly("user:123", "user:456");
        }
    }

    @Test
    void appendedAtIsTheClocksTimeOfEachAppendAlsoAfterReopen() {
        MutableClock clock = MutableClock.startingAt("2026-03-01T10:00:00.123Z");
        WalOptions options = WalOptions.builder().clock(clock).build();
        EntryRef first;
        EntryRef buffered;
        try (Wal wal = Wal.open(dir, options)) {
            first = wal.appendEntry("k", bytes("h"), bytes("one"), true);
            clock.advance(Duration.ofMinutes(5));
            buffered = wal.appendEntry("k", null, bytes("two"), false);

            assertThat(wal.appendedAt(first)).isEqualTo(Instant.parse("2026-03-01T10:00:00.123Z"));
            assertThat(wal.appendedAt(buffered)).as("still in the write buffer")
                    .isEqualTo(Instant.parse("2026-03-01T10:05:00.123Z"));
            EntryRef nowhere = new EntryRef(first.keyHash(), first.sequenceNumber(), first.offset() + 8);
            assertThatThrownBy(() -> wal.appendedAt(nowhere)).isInstanceOf(WalEntryNotFoundException.class);
        }
        try (Wal wal = Wal.open(dir, options)) {
            assertThat(wal.appendedAt(first)).isEqualTo(Instant.parse("2026-03-01T10:00:00.123Z"));
            assertThat(wal.appendedAt(buffered)).isEqualTo(Instant.parse("2026-03-01T10:05:00.123Z"));
            wal.close();
            assertThatThrownBy(() -> wal.appendedAt(first)).isInstanceOf(WalClosedException.class);
        }
    }

    @Test
    void referencesStayValidAcrossReopen() {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir)) {
            for (int i = 0; i < 1000; i++) {
                refs.add(wal.appendEntry("k" + (i % 7), bytes("h" + i), bytes("value-" + i), false));
            }
        }
        try (Wal wal = Wal.open(dir)) {
            for (int i = 0; i < refs.size(); i++) {
                WalRecord record = wal.readRecordAt(refs.get(i));
                assertThat(record.content()).isEqualTo(bytes("value-" + i));
                assertThat(record.header()).isEqualTo(bytes("h" + i));
                assertThat(record.ref()).isEqualTo(refs.get(i));
            }
            EntryRef next = wal.appendEntry("k0", null, bytes("after-reopen"), true);
            try (Stream<byte[]> records = wal.enumerateRecords("k0")) {
                List<String> all = records.map(r -> new String(r, UTF_8)).toList();
                assertThat(all).hasSize(144).endsWith("after-reopen");
            }
            assertThat(wal.readEntryAt(next)).isEqualTo(bytes("after-reopen"));
        }
    }

    @Test
    void enumerateAfterCheckpointResumes() {
        try (Wal wal = Wal.open(dir)) {
            List<EntryRef> refs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                refs.add(wal.appendEntry("topic-0", null, bytes("m" + i), false));
            }
            try (Stream<WalRecord> after = wal.enumerateEntriesAfter(refs.get(6))) {
                assertThat(after.map(r -> new String(r.content(), UTF_8))).containsExactly("m7", "m8", "m9");
            }
            try (Stream<WalRecord> after = wal.enumerateEntriesAfter(refs.get(9))) {
                assertThat(after).isEmpty();
            }
        }
    }

    @Test
    void closedWalRefusesCalls() {
        Wal wal = Wal.open(dir);
        EntryRef ref = wal.logEntry("k", null, bytes("x"));
        wal.close();
        wal.close();
        assertThat(wal.isOpen()).isFalse();
        assertThatThrownBy(() -> wal.appendEntry("k", null, bytes("y"), false)).isInstanceOf(WalClosedException.class);
        assertThatThrownBy(() -> wal.readEntryAt(ref)).isInstanceOf(WalClosedException.class);
    }

    /**
     * A full write buffer is written up to a window boundary of the file, and the record that crosses it stays in the
     * buffer in part. Each time the file grows so, the record across its end is read by reference and comes back
     * whole; after a reopen, every record does.
     */
    @Test
    void recordsSplitBetweenTheFileAndTheWriteBufferReadBackWhole() throws IOException {
        List<EntryRef> refs = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        int splitReads = 0;
        try (Wal wal = Wal.open(dir)) {
            long fileEnd = -1;
            for (int i = 0; i < 2_000; i++) {
                // sizes that do not divide the window, so window boundaries fall at every place in a record
                byte[] content = TestPayloads.content(i, 300 + (i * 37) % 900);
                contents.add(content);
                refs.add(wal.appendEntry("split", bytes("h" + i), content, false));
                long size = Files.size(onlySegment());
                if (size != fileEnd && size % 4096 == 0) {
                    fileEnd = size;
                    int across = refs.size() - 1;
                    while (refs.get(across).offset() >= size) {
                        across--;
                    }
                    if (size - refs.get(across).offset() >= 24) {
                        // its 24-byte frame is in the file, the rest of it in the buffer
                        WalRecord record = wal.readRecordAt(refs.get(across));
                        assertThat(record.content()).as("entry %d", across).isEqualTo(contents.get(across));
                        assertThat(record.header()).as("entry %d", across).isEqualTo(bytes("h" + across));
                        splitReads++;
                    }
                }
            }
        }
        assertThat(splitReads).as("records read while split").isGreaterThanOrEqualTo(5);
        try (Wal wal = Wal.open(dir)) {
            for (int i = 0; i < refs.size(); i++) {
                assertThat(wal.readEntryAt(refs.get(i))).as("entry %d", i).isEqualTo(contents.get(i));
            }
        }
    }

    private Path onlySegment() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).reduce((a, b) -> {
                throw new IllegalStateException("more than one segment: " + a + ", " + b);
            }).orElseThrow();
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }
}
