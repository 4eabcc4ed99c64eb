package dev.nanowal.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalCorruptionException;
import dev.nanowal.WalLockedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/** A start-up that cannot open the WAL directory ends in Spring Boot's failure report, in {@code nanowal.*} terms. */
@ExtendWith(OutputCaptureExtension.class)
class NanoWalFailureAnalyzersTests {

    @TempDir
    Path directory;

    @Test
    void lockedDirectoryNamesThePropertyAndTheTestAnnotation(CapturedOutput output) {
        try (Wal holder = Wal.open(this.directory)) {
            assertThatException().isThrownBy(this::start).havingRootCause().isInstanceOf(WalLockedException.class);
        }
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("The nano-wal directory could not be opened: The WAL directory " + this.directory)
            .contains("Action:")
            .contains("'nanowal.directory' (now " + this.directory + ")")
            .contains("@AutoConfigureTempWal")
            .contains("dev.nanowal:nano-wal-spring-boot-test");
    }

    @Test
    void aDirectoryWithADamagedKeyStartsAndLogsWhichKeyAndFile(CapturedOutput output) throws IOException {
        List<EntryRef> refs;
        try (Wal wal = Wal.open(this.directory)) {
            refs = Stream.of("one", "two", "three")
                .map((content) -> wal.logEntry("key", null, content.getBytes(StandardCharsets.UTF_8)))
                .toList();
        }
        // The first record's content: valid records follow it, inside bytes the close made durable.
        Path segment = onlySegment();
        flipFirstBit(segment, refs.get(0).offset() + 24);

        SpringApplication application = new SpringApplication(NanoWalAutoConfiguration.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        try (ConfigurableApplicationContext context = application.run("--nanowal.directory=" + this.directory)) {
            Wal wal = context.getBean(Wal.class);
            assertThat(wal.damage()).singleElement().satisfies((damage) -> {
                assertThat(damage.key()).isEqualTo("key");
                assertThat(damage.file()).isEqualTo(segment);
            });
            assertThat(wal.readEntryAt(refs.get(2))).isEqualTo("three".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(output).doesNotContain("APPLICATION FAILED TO START")
            .contains("Damaged file " + segment + " of key 'key'");
    }

    /** What still fails an open as corrupt (two segments of one key hash holding different keys) gets advice. */
    @Test
    void aCorruptionThatFailsTheOpenNamesTheRepairPropertyAndTheCliVerify() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources()
            .addFirst(new MapPropertySource("test", Map.of("nanowal.directory", this.directory.toString())));
        FailureAnalysis analysis = new WalCorruptionFailureAnalyzer(environment)
            .analyze(new IllegalStateException(new WalCorruptionException("Segments a and b share key hash 1")));
        assertThat(analysis.getDescription()).contains("The nano-wal directory holds damaged data")
            .contains("share key hash");
        assertThat(analysis.getAction()).contains("java -jar nano-wal-core.jar verify <directory>")
            .contains("'nanowal.repair-corrupt-tail=true'")
            .contains("'nanowal.directory' (now " + this.directory + ")");
    }

    private void start() {
        SpringApplication application = new SpringApplication(NanoWalAutoConfiguration.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.run("--nanowal.directory=" + this.directory);
    }

    private Path onlySegment() throws IOException {
        try (Stream<Path> files = Files.list(this.directory)) {
            List<Path> segments = files.filter((file) -> file.getFileName().toString().endsWith(".log")).toList();
            assertThat(segments).hasSize(1);
            return segments.get(0);
        }
    }

    private static void flipFirstBit(Path file, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 1)).flip();
            channel.write(one, offset);
        }
    }
}
