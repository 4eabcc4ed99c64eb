package dev.nanowal.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
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
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

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
    void corruptDirectoryNamesTheRepairPropertyAndTheCliVerify(CapturedOutput output) throws IOException {
        List<EntryRef> refs;
        try (Wal wal = Wal.open(this.directory)) {
            refs = Stream.of("one", "two", "three")
                .map((content) -> wal.logEntry("key", null, content.getBytes(StandardCharsets.UTF_8)))
                .toList();
        }
        // The first record's content: valid records follow it, so this is corruption, not a torn tail.
        flipFirstBit(onlySegment(), refs.get(0).offset() + 24);

        assertThatException().isThrownBy(this::start).havingRootCause().isInstanceOf(WalCorruptionException.class);
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("The nano-wal directory holds damaged data")
            .contains("Action:")
            .contains("java -jar nano-wal-core.jar verify <directory>")
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
