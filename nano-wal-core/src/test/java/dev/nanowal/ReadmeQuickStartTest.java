package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's quick start, as written there (only the directory differs, and assertions are added). */
class ReadmeQuickStartTest {

    private static final Path README = Path.of("../README.md");
    private static final Path THIS_SOURCE = Path.of("src/test/java/dev/nanowal/ReadmeQuickStartTest.java");

    @TempDir
    Path root;

    @Test
    void quickStartRunsAsWritten() {
        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            quickStart(root.resolve("my_wal"));
        } finally {
            System.setOut(original);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Hello, World!", "Data with metadata",
                "[my_key, orders-0, orders-1]", "0 segments deleted");
    }

    /** Keeps the copy below honest: every code line of the README's snippet appears in it, in the same order. */
    @Test
    void readmeSnippetIsTheCodeRunHere() throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf("```java\nimport dev.nanowal.*;");
        assertThat(start).as("the quick start's java block in %s", README).isNotNegative();
        List<String> snippet = codeLines(readme.substring(start, readme.indexOf("\n```\n", start))).stream()
                .filter(line -> !line.startsWith("```") && !line.startsWith("import "))
                .map(line -> line.replace("Path.of(\"./my_wal\")", "directory"))
                .toList();
        String source = Files.readString(THIS_SOURCE);
        List<String> copy = codeLines(source.substring(source.lastIndexOf("private static void quickStart(")));
        assertThat(snippet).hasSizeGreaterThan(10);
        assertThat(copy).containsSubsequence(snippet);
    }

    /** Lines with their trailing comments and indentation removed, blank ones dropped. */
    private static List<String> codeLines(String text) {
        return text.lines()
                .map(line -> line.replaceAll("\\s*//.*$", "").strip())
                .filter(line -> !line.isEmpty())
                .toList();
    }

    private static void quickStart(Path directory) {
        try (Wal wal = Wal.open(directory)) {
            EntryRef ref = wal.appendEntry("my_key", null, "Hello, World!".getBytes(StandardCharsets.UTF_8), false);

            EntryRef withHeader = wal.logEntry("my_key", "metadata:version=1".getBytes(StandardCharsets.UTF_8),
                    "Data with metadata".getBytes(StandardCharsets.UTF_8));

            byte[] content = wal.readEntryAt(ref);
            WalRecord record = wal.readRecordAt(withHeader);
            Instant appended = wal.appendedAt(ref);
            assertThat(appended).isBetween(Instant.now().minusSeconds(60), Instant.now());
            assertThat(content).isEqualTo("Hello, World!".getBytes(StandardCharsets.UTF_8));
            assertThat(record.header()).isEqualTo("metadata:version=1".getBytes(StandardCharsets.UTF_8));

            try (Stream<byte[]> records = wal.enumerateRecords("my_key")) {
                records.forEach(r -> System.out.println(new String(r, StandardCharsets.UTF_8)));
            }
            try (Stream<WalRecord> after = wal.enumerateEntriesAfter(ref)) {
                after.forEach(r -> System.out.println(r.ref()));
            }

            List<EntryRef> batch = wal.appendBatch(List.of(
                    WalEntry.of("orders-0", "o1".getBytes(StandardCharsets.UTF_8)),
                    WalEntry.of("orders-1", "o2".getBytes(StandardCharsets.UTF_8))), true);
            assertThat(batch).hasSize(2);

            System.out.println(wal.enumerateKeys());
            CompactionResult removed = wal.compact();
            System.out.println(removed.segmentsDeleted() + " segments deleted");
        }
    }
}
