package dev.nanowal;

import static dev.nanowal.RotationAndRetentionTest.contents;
import static dev.nanowal.WalAppendReadTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysAndLimitsTest {

    @TempDir
    Path root;

    @Test
    void anyKeyRoundTripsAndNoKeyPlacesAFileOutsideTheDirectory() throws IOException {
        Path dir = root.resolve("wal");
        List<String> keys = List.of("user:123", "a/b", "../../x", "..", ".", "/etc/passwd", "C:\\win", "ключ 🔑 鍵",
                "with spaces\tand\nnewlines", "", "nul\u0000byte", "x".repeat(1024), "é".repeat(512));
        try (Wal wal = Wal.open(dir)) {
            for (String key : keys) {
                wal.appendEntry(key, null, bytes("v:" + key), false);
            }
        }
        try (Wal wal = Wal.open(dir)) {
            assertThat(wal.enumerateKeys()).containsExactlyInAnyOrderElementsOf(keys);
            for (String key : keys) {
                assertThat(contents(wal, key)).containsExactly("v:" + key);
            }
        }
        try (Stream<Path> everything = Files.walk(root)) {
            assertThat(everything.filter(Files::isRegularFile))
                    .allMatch(file -> file.getParent().equals(dir))
                    .hasSize(keys.size() + 2); // a segment per key, the lock file and the extents file
        }
    }

    @Test
    void keysThatCannotBeStoredAreRefusedNamingTheLimit() {
        try (Wal wal = Wal.open(root)) {
            assertThatThrownBy(() -> wal.appendEntry("x".repeat(1025), null, bytes("v"), false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1025").hasMessageContaining("1024");
            assertThatThrownBy(() -> wal.appendEntry("é".repeat(513), null, bytes("v"), false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1026 UTF-8 bytes");
            assertThatThrownBy(() -> wal.appendEntry("bad\uD800", null, bytes("v"), false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");
            assertThatThrownBy(() -> wal.appendEntry(null, null, bytes("v"), false))
                    .isInstanceOf(NullPointerException.class).hasMessage("key must not be null");
            assertThatThrownBy(() -> wal.appendEntry("k", null, null, false))
                    .isInstanceOf(NullPointerException.class).hasMessage("content must not be null");
            assertThat(wal.enumerateKeys()).isEmpty();
        }
    }

    @Test
    void anOversizedHeaderIsRefusedAndWritesNothing() throws IOException {
        try (Wal wal = Wal.open(root)) {
            assertThat(wal.appendEntry("k", new byte[65_535], bytes("max header"), true)).isNotNull();
            assertThatThrownBy(() -> wal.appendEntry("k", new byte[65_536], bytes("v"), true))
                    .isInstanceOf(WalLimitExceededException.class)
                    .hasMessageContaining("65536").hasMessageContaining("65535");
            assertThatThrownBy(() -> wal.appendEntry("fresh", new byte[65_536], bytes("v"), true))
                    .isInstanceOf(WalLimitExceededException.class);
            assertThat(contents(wal, "k")).containsExactly("max header");
            assertThat(wal.enumerateKeys()).containsExactly("k");
        }
        assertThat(SegmentFiles.segments(root)).hasSize(1);
    }

    @Test
    void emptyContentAndEmptyHeaderAreEntriesToo() {
        try (Wal wal = Wal.open(root)) {
            EntryRef empty = wal.appendEntry("k", new byte[0], new byte[0], true);
            assertThat(wal.readRecordAt(empty).content()).isEmpty();
            assertThat(wal.readRecordAt(empty).header()).isEmpty();
            assertThat(wal.enumerateKeys()).containsExactly("k");
        }
    }

    @Test
    void theKeyHashIsSixtyFourBitFnv1aOfTheUtf8Bytes() {
        assertThat(EntryRef.hashOf("")).isEqualTo(0xcbf29ce484222325L);
        assertThat(EntryRef.hashOf("a")).isEqualTo(0xaf63dc4c8601ec8cL);
        assertThat(EntryRef.hashOf("foobar")).isEqualTo(0x85944171f73967e8L);
        try (Wal wal = Wal.open(root)) {
            assertThat(wal.appendEntry("foobar", null, bytes("v"), false).keyHash()).isEqualTo(0x85944171f73967e8L);
        }
    }

    @Test
    void entryRefIsAValue() {
        EntryRef ref = new EntryRef(1, 2, 3);
        assertThat(ref).isEqualTo(new EntryRef(1, 2, 3)).hasSameHashCodeAs(new EntryRef(1, 2, 3))
                .isNotEqualTo(new EntryRef(1, 2, 4));
    }
}
