package dev.nanowal.spring.boot.test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalRecord;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a new user's test suite does: test classes whose configurations differ by one property, so the test
 * framework caches two application contexts in one JVM, pauses the idle one and restarts it for a later class.
 * Nested classes only to fix the order; each is a test class of its own with a context of its own.
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class CachedTestContextsTests {

    private static Path firstDirectory;

    private static EntryRef firstEntry;

    @Nested
    @Order(1)
    @SpringBootTest(classes = TestApplication.class, properties = "nanowal.entry-retention=1h")
    @AutoConfigureTempWal
    class FirstContext {

        @Autowired
        Wal wal;

        @Test
        void opensItsOwnTemporaryDirectory() {
            assertThat(this.wal.directory()).startsWith(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath())
                .isNotEqualTo(Path.of("nanowal-data").toAbsolutePath());
            assertThat(this.wal.options().entryRetention()).isEqualTo(Duration.ofHours(1));
            firstDirectory = this.wal.directory();
            firstEntry = this.wal.logEntry("orders", null, "first".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Nested
    @Order(2)
    @SpringBootTest(classes = TestApplication.class, properties = "nanowal.entry-retention=2h")
    @AutoConfigureTempWal
    class SecondContext {

        @Autowired
        Wal wal;

        @Test
        void startsBesideTheFirstWithAnotherDirectory() {
            assertThat(this.wal.options().entryRetention()).isEqualTo(Duration.ofHours(2));
            assertThat(this.wal.directory()).isNotEqualTo(firstDirectory);
            assertThat(this.wal.enumerateKeys()).isEmpty();
            assertThat(firstDirectory).isDirectory();
        }
    }

    @Nested
    @Order(3)
    @SpringBootTest(classes = TestApplication.class, properties = "nanowal.entry-retention=1h")
    @AutoConfigureTempWal
    class FirstContextAgain {

        @Autowired
        Wal wal;

        @Autowired
        TestApplication.LifecycleEvents lifecycle;

        @Autowired
        ConfigurableApplicationContext context;

        @Test
        void worksAgainAfterTheTestFrameworkPausedAndRestartedIt() {
            assertThat(this.lifecycle.events).containsExactly("ContextPausedEvent", "ContextRestartedEvent");
            assertThat(this.context.isRunning()).isTrue();
            assertThat(this.wal.directory()).isEqualTo(firstDirectory);
            assertThat(this.wal.readRecordAt(firstEntry).content()).asString(StandardCharsets.UTF_8)
                .isEqualTo("first");
            EntryRef again = this.wal.logEntry("orders", null, "again".getBytes(StandardCharsets.UTF_8));
            try (Stream<WalRecord> records = this.wal.enumerateEntries("orders")) {
                assertThat(records.map(WalRecord::ref).toList()).containsExactly(firstEntry, again);
            }
        }
    }
}
