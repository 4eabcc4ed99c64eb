package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Old bytes still open: a format-v1 directory written once by {@link GoldenV1Writer} and committed under
 * {@code src/test/resources/golden-v1} (its README lists what it holds). The bytes are decoded here at the
 * offsets FORMAT.md gives, with nothing from the production codec, then the directory is opened and
 * references written as literals resolve to their entries. A change that moves a field, or stops opening these
 * files, fails here.
 */
class GoldenFormatV1Test {

    private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final long ORDERS_HASH = 0x00125d9250be8b4cL;
    private static final long TORN_HASH = 0x3009d0ef38c2eba4L;
    private static final String ORDERS_1 = "orders-00125d9250be8b4c-00000000000000000001.log";
    private static final String ORDERS_3 = "orders-00125d9250be8b4c-00000000000000000003.log";
    private static final String TORN_2 = "torn-3009d0ef38c2eba4-00000000000000000002.log";
    private static final String META = "nanowal.meta";

    // FORMAT.md, "Segment header"
    private static final int HEADER_MAGIC_AT = 0;
    private static final int HEADER_VERSION_AT = 8;
    private static final int HEADER_CRC_AT = 12;
    private static final int HEADER_KEY_HASH_AT = 16;
    private static final int HEADER_SEQUENCE_AT = 24;
    private static final int HEADER_CREATED_AT = 32;
    private static final int HEADER_KEY_LENGTH_AT = 40;
    private static final int HEADER_RESERVED_AT = 44;
    private static final int HEADER_KEY_AT = 48;
    // FORMAT.md, "Record" and "Seal"
    private static final int RECORD_HEADER_LENGTH_AT = 6;
    private static final int RECORD_CONTENT_LENGTH_AT = 8;
    private static final int FRAME_CRC_AT = 12;
    private static final int RECORD_TIMESTAMP_AT = 16;
    private static final int RECORD_HEADER_AT = 24;
    private static final int SEAL_RESERVED_AT = 6;
    private static final int SEAL_COUNT_AT = 16;
    private static final int SEAL_OLDEST_AT = 24;
    private static final int SEAL_NEWEST_AT = 32;
    private static final int SEAL_SIZE = 40;
    // FORMAT.md, "nanowal.meta"
    private static final int META_VERSION_AT = 8;
    private static final int META_CRC_AT = 12;
    private static final int META_FLOOR_AT = 16;
    private static final int META_SIZE = 24;

    /** Where the writer put each entry: key hash, segment sequence number, offset. */
    private static final EntryRef FIRST_ORDER = new EntryRef(ORDERS_HASH, 1, 56);
    private static final EntryRef SECOND_ORDER = new EntryRef(ORDERS_HASH, 1, 96);
    private static final EntryRef THIRD_ORDER = new EntryRef(ORDERS_HASH, 3, 56);
    private static final EntryRef FOURTH_ORDER = new EntryRef(ORDERS_HASH, 3, 96);
    private static final EntryRef TORN_ONE = new EntryRef(TORN_HASH, 2, 56);
    private static final EntryRef TORN_TWO = new EntryRef(TORN_HASH, 2, 88);
    private static final EntryRef TORN_THREE = new EntryRef(TORN_HASH, 2, 128);
    private static final long TORN_FILE_SIZE = 158;

    @TempDir
    Path directory;

    @BeforeEach
    void copyGoldenFiles() throws IOException, URISyntaxException {
        Path golden = Path.of(GoldenFormatV1Test.class.getResource("/golden-v1").toURI());
        for (String name : List.of(ORDERS_1, ORDERS_3, TORN_2, META)) {
            Files.copy(golden.resolve(name), directory.resolve(name));
        }
        try (Stream<Path> files = Files.list(golden)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .as("the golden directory holds exactly the files copied, and its README")
                    .containsExactlyInAnyOrder(ORDERS_1, ORDERS_3, TORN_2, META, "README.md");
        }
    }

    @Test
    void segmentHeaderFields() throws IOException {
        ByteBuffer file = bytes(ORDERS_1);
        assertThat(ascii(file, HEADER_MAGIC_AT, 8)).isEqualTo("NANO-LOG");
        assertThat(file.getInt(HEADER_VERSION_AT)).isEqualTo(1);
        assertThat(file.getLong(HEADER_KEY_HASH_AT)).isEqualTo(ORDERS_HASH).isEqualTo(fnv1a64("orders"))
                .isEqualTo(EntryRef.hashOf("orders"));
        assertThat(file.getLong(HEADER_SEQUENCE_AT)).isEqualTo(1);
        assertThat(file.getLong(HEADER_CREATED_AT)).isEqualTo(T0);
        assertThat(file.getInt(HEADER_KEY_LENGTH_AT)).isEqualTo(6);
        assertThat(file.getInt(HEADER_RESERVED_AT)).isZero();
        assertThat(ascii(file, HEADER_KEY_AT, 6)).isEqualTo("orders");
        assertThat(slice(file, HEADER_KEY_AT + 6, 56)).as("padding to the data start, align8(48 + 6)")
                .containsOnly(0);
        assertThat(file.getInt(HEADER_CRC_AT))
                .isEqualTo(crc32c(slice(file, 0, HEADER_CRC_AT), slice(file, HEADER_KEY_HASH_AT, HEADER_KEY_AT + 6)));

        ByteBuffer active = bytes(ORDERS_3);
        assertThat(active.getLong(HEADER_SEQUENCE_AT)).isEqualTo(3);
        assertThat(active.getLong(HEADER_CREATED_AT)).as("created by the append after the first slice ended")
                .isEqualTo(T0 + Duration.ofSeconds(1804).toMillis());
        assertThat(bytes(TORN_2).getLong(HEADER_KEY_HASH_AT)).isEqualTo(TORN_HASH).isEqualTo(fnv1a64("torn"));
    }

    @Test
    void firstRecordFields() throws IOException {
        ByteBuffer file = bytes(ORDERS_1);
        int at = (int) FIRST_ORDER.offset();
        assertThat(ascii(file, at, 6)).isEqualTo("NANORC");
        assertThat(Short.toUnsignedInt(file.getShort(at + RECORD_HEADER_LENGTH_AT))).isEqualTo(3);
        assertThat(file.getInt(at + RECORD_CONTENT_LENGTH_AT)).isEqualTo(11);
        assertThat(file.getLong(at + RECORD_TIMESTAMP_AT)).isEqualTo(T0);
        assertThat(ascii(file, at + RECORD_HEADER_AT, 3)).isEqualTo("h:1");
        assertThat(ascii(file, at + RECORD_HEADER_AT + 3, 11)).isEqualTo("first order");
        assertThat(slice(file, at + RECORD_HEADER_AT + 14, at + 40)).as("padding to 8 bytes").containsOnly(0);
        assertThat(file.getInt(at + FRAME_CRC_AT)).isEqualTo(crc32c(
                longs(ORDERS_HASH, 1, at),
                slice(file, at, at + FRAME_CRC_AT),
                slice(file, at + RECORD_TIMESTAMP_AT, at + RECORD_HEADER_AT + 14)));
    }

    @Test
    void everyRecordOfEverySegmentDecodesAsWritten() throws IOException {
        assertThat(records(ORDERS_1, ORDERS_HASH, 1)).containsExactly(
                "56 @" + T0 + " h:1 first order",
                "96 @" + (T0 + 1000) + "  second order",
                "136 seal, 40 bytes to the end");
        assertThat(records(ORDERS_3, ORDERS_HASH, 3)).containsExactly(
                "56 @" + (T0 + 1_804_000) + "  third order",
                "96 @" + (T0 + 1_805_000) + " h:4 fourth order",
                "136 end of file");
        assertThat(records(TORN_2, TORN_HASH, 2)).containsExactly(
                "56 @" + (T0 + 2000) + "  torn one",
                "88 @" + (T0 + 3000) + " h:2 torn two",
                "128 torn: a record of 24 + 0 + 31 bytes in a file that ends after 30 of them");
    }

    @Test
    void sealFields() throws IOException {
        ByteBuffer file = bytes(ORDERS_1);
        int at = file.limit() - SEAL_SIZE;
        assertThat(at).as("the seal is the last 40 bytes, right after the second record").isEqualTo(136);
        assertThat(ascii(file, at, 6)).isEqualTo("NANOSL");
        assertThat(slice(file, at + SEAL_RESERVED_AT, at + FRAME_CRC_AT)).containsOnly(0);
        assertThat(file.getLong(at + SEAL_COUNT_AT)).isEqualTo(2);
        assertThat(file.getLong(at + SEAL_OLDEST_AT)).isEqualTo(T0);
        assertThat(file.getLong(at + SEAL_NEWEST_AT)).isEqualTo(T0 + 1000);
        assertThat(file.getInt(at + FRAME_CRC_AT)).isEqualTo(crc32c(
                longs(ORDERS_HASH, 1, at),
                slice(file, at, at + FRAME_CRC_AT),
                slice(file, at + SEAL_COUNT_AT, at + SEAL_SIZE)));
    }

    @Test
    void metaFileFields() throws IOException {
        ByteBuffer file = bytes(META);
        assertThat(file.limit()).isEqualTo(META_SIZE);
        assertThat(ascii(file, 0, 8)).isEqualTo("NANO-MET");
        assertThat(file.getInt(META_VERSION_AT)).isEqualTo(1);
        assertThat(file.getLong(META_FLOOR_AT)).as("the counter after segment 4, which compaction deleted")
                .isEqualTo(5);
        assertThat(file.getInt(META_CRC_AT))
                .isEqualTo(crc32c(slice(file, 0, META_CRC_AT), slice(file, META_FLOOR_AT, META_SIZE)));
    }

    @Test
    void opensAndResolvesKnownReferences() {
        try (Wal wal = open()) {
            assertThat(wal.readRecordAt(FIRST_ORDER)).isEqualTo(record(FIRST_ORDER, "h:1", "first order"));
            assertThat(wal.readRecordAt(SECOND_ORDER)).isEqualTo(record(SECOND_ORDER, "", "second order"));
            assertThat(wal.readRecordAt(THIRD_ORDER)).isEqualTo(record(THIRD_ORDER, "", "third order"));
            assertThat(wal.readRecordAt(FOURTH_ORDER)).isEqualTo(record(FOURTH_ORDER, "h:4", "fourth order"));
            assertThat(wal.readRecordAt(TORN_ONE)).isEqualTo(record(TORN_ONE, "", "torn one"));
            assertThat(wal.readRecordAt(TORN_TWO)).isEqualTo(record(TORN_TWO, "h:2", "torn two"));
            assertThat(wal.appendedAt(FIRST_ORDER)).isEqualTo(Instant.ofEpochMilli(T0));
            assertThat(wal.appendedAt(FOURTH_ORDER)).isEqualTo(Instant.ofEpochMilli(T0 + 1_805_000));
            assertThat(wal.appendedAt(TORN_TWO)).isEqualTo(Instant.ofEpochMilli(T0 + 3000));
        }
    }

    @Test
    void cutsTheTornTailAndCountsEntriesPerKey() throws IOException {
        assertThat(Files.size(directory.resolve(TORN_2))).isEqualTo(TORN_FILE_SIZE);
        try (Wal wal = open()) {
            assertThat(Files.size(directory.resolve(TORN_2))).as("cut at the torn record")
                    .isEqualTo(TORN_THREE.offset());
            assertThat(wal.stats().bytesTruncatedAtRecovery()).isEqualTo(TORN_FILE_SIZE - TORN_THREE.offset());
            assertThatThrownBy(() -> wal.readRecordAt(TORN_THREE)).isInstanceOf(WalEntryNotFoundException.class);

            assertThat(wal.enumerateKeys()).containsExactly("orders", "torn");
            assertThat(contents(wal, "orders")).containsExactly("first order", "second order", "third order",
                    "fourth order");
            assertThat(contents(wal, "torn")).containsExactly("torn one", "torn two");
            assertThat(wal.keyInfo("orders").orElseThrow().segments()).isEqualTo(2);
            assertThat(wal.keyInfo("torn").orElseThrow().entries()).isEqualTo(2);
            assertThat(wal.keyInfo("expired")).isEmpty();

            assertThat(wal.appendEntry("torn", null, utf8("after the cut"), true))
                    .as("appending continues where the torn record began").isEqualTo(TORN_THREE);
        }
    }

    @Test
    void aNewSegmentNumberStartsAtTheMetaFilesFloor() {
        try (Wal wal = open()) {
            assertThat(wal.appendEntry("new key", null, utf8("new"), true).sequenceNumber())
                    .as("segment 4 of the deleted key is never reused, though the highest on disk is 3")
                    .isEqualTo(5);
        }
    }

    /** Default options, and a clock three hours after the writer began (inside every segment's time slice). */
    private Wal open() {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(T0).plus(Duration.ofHours(3)), ZoneOffset.UTC);
        return Wal.open(directory, WalOptions.builder().clock(clock).build());
    }

    /**
     * Walks a segment's frames from the data start as FORMAT.md describes, checking each record's CRC32C: one
     * line per record ({@code offset @timestamp header content}), then how the segment ends.
     */
    private List<String> records(String name, long keyHash, long sequence) throws IOException {
        ByteBuffer file = bytes(name);
        int at = align8(HEADER_KEY_AT + file.getInt(HEADER_KEY_LENGTH_AT));
        List<String> found = new ArrayList<>();
        while (at < file.limit()) {
            String magic = ascii(file, at, Math.min(6, file.limit() - at));
            if (magic.equals("NANOSL")) {
                found.add(at + " seal, " + (file.limit() - at) + " bytes to the end");
                return found;
            }
            if (!magic.equals("NANORC") || at + RECORD_HEADER_AT > file.limit()) {
                found.add(at + " neither record nor seal");
                return found;
            }
            int headerLength = Short.toUnsignedInt(file.getShort(at + RECORD_HEADER_LENGTH_AT));
            int contentLength = file.getInt(at + RECORD_CONTENT_LENGTH_AT);
            int end = at + RECORD_HEADER_AT + headerLength + contentLength;
            if (end > file.limit()) {
                found.add(at + " torn: a record of 24 + " + headerLength + " + " + contentLength
                        + " bytes in a file that ends after " + (file.limit() - at) + " of them");
                return found;
            }
            assertThat(file.getInt(at + FRAME_CRC_AT)).as("CRC32C of the record at %d in %s", at, name)
                    .isEqualTo(crc32c(longs(keyHash, sequence, at), slice(file, at, at + FRAME_CRC_AT),
                            slice(file, at + RECORD_TIMESTAMP_AT, end)));
            found.add(at + " @" + file.getLong(at + RECORD_TIMESTAMP_AT) + " "
                    + ascii(file, at + RECORD_HEADER_AT, headerLength) + " "
                    + ascii(file, at + RECORD_HEADER_AT + headerLength, contentLength));
            at = align8(end);
        }
        found.add(at + " end of file");
        return found;
    }

    private ByteBuffer bytes(String name) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(directory.resolve(name)));
    }

    private static String ascii(ByteBuffer file, int from, int length) {
        return new String(slice(file, from, from + length), StandardCharsets.UTF_8);
    }

    private static byte[] slice(ByteBuffer file, int from, int to) {
        byte[] bytes = new byte[to - from];
        file.get(from, bytes);
        return bytes;
    }

    private static byte[] longs(long... values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * Long.BYTES);
        for (long value : values) {
            out.putLong(value);
        }
        return out.array();
    }

    private static int crc32c(byte[]... parts) {
        CRC32C crc = new CRC32C();
        for (byte[] part : parts) {
            crc.update(part);
        }
        return (int) crc.getValue();
    }

    /** FORMAT.md, "Key hash": 64-bit FNV-1a over the key's UTF-8 bytes. */
    private static long fnv1a64(String key) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : utf8(key)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }

    private static int align8(int length) {
        return (length + 7) & -8;
    }

    private static WalRecord record(EntryRef ref, String header, String content) {
        return new WalRecord(ref, utf8(header), utf8(content));
    }

    private static List<String> contents(Wal wal, String key) {
        try (Stream<byte[]> contents = wal.enumerateRecords(key)) {
            return contents.map(content -> new String(content, StandardCharsets.UTF_8)).toList();
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
