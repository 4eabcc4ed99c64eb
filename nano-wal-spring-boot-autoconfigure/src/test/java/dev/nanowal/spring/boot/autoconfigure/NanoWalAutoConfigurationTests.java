package dev.nanowal.spring.boot.autoconfigure;

import dev.nanowal.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalClosedException;
import dev.nanowal.WalOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

class NanoWalAutoConfigurationTests {

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(NanoWalAutoConfiguration.class))
            .withPropertyValues("nanowal.directory=" + this.directory);
    }

    @Test
    void propertiesHaveDocumentedDefaults() {
        new ApplicationContextRunner().withUserConfiguration(PropertiesOnly.class).run((context) -> {
            NanoWalProperties properties = context.getBean(NanoWalProperties.class);
            assertThat(properties.enabled()).isTrue();
            assertThat(properties.directory()).isEqualTo(Path.of("nanowal-data"));
            assertThat(properties.entryRetention()).isEqualTo(Duration.ofDays(7));
            assertThat(properties.segmentsPerRetentionPeriod()).isEqualTo(10);
            assertThat(properties.maxSegmentSize()).isEqualTo(DataSize.ofMegabytes(64));
            assertThat(properties.maxOpenFiles()).isEqualTo(1024);
            assertThat(properties.writeBufferSize()).isEqualTo(DataSize.ofKilobytes(64));
            assertThat(properties.syncThreads()).isEqualTo(16);
            assertThat(properties.backgroundSyncSize()).isEqualTo(DataSize.ofMegabytes(4));
            assertThat(properties.repairCorruptTail()).isFalse();
            assertThat(properties.compaction().enabled()).isTrue();
            assertThat(properties.compaction().interval()).isEqualTo(Duration.ofMinutes(5));
            assertThat(properties.health().minFreeDisk()).isEqualTo(DataSize.ofMegabytes(100));
            assertThat(properties.health().maxFsyncLatency()).isEqualTo(Duration.ofMillis(100));
            assertThat(properties.health().fsyncLatencyWindow()).isEqualTo(Duration.ofMinutes(1));
            assertThat(properties.journal().enabled()).isTrue();
            assertThat(properties.journal().fileSize()).isEqualTo(DataSize.ofMegabytes(64));
            assertThat(properties.journal().checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
        });
    }

    @Test
    void opensAWalWithTheCoreDefaultsInTheConfiguredDirectory() {
        runner().run((context) -> {
            assertThat(context).hasSingleBean(Wal.class)
                .hasSingleBean(NanoWalCompactor.class)
                .hasSingleBean(NanoWalCompactionScheduler.class);
            Wal wal = context.getBean(Wal.class);
            assertThat(wal.isOpen()).isTrue();
            assertThat(wal.directory()).isEqualTo(this.directory.toAbsolutePath());
            WalOptions options = wal.options();
            WalOptions defaults = WalOptions.defaults();
            assertThat(options.entryRetention()).isEqualTo(defaults.entryRetention());
            assertThat(options.segmentsPerRetentionPeriod()).isEqualTo(defaults.segmentsPerRetentionPeriod());
            assertThat(options.maxSegmentSize()).isEqualTo(defaults.maxSegmentSize());
            assertThat(options.maxOpenFiles()).isEqualTo(defaults.maxOpenFiles());
            assertThat(options.writeBufferSize()).isEqualTo(defaults.writeBufferSize());
            assertThat(options.syncThreads()).isEqualTo(defaults.syncThreads());
            assertThat(options.backgroundSyncSize()).isEqualTo(defaults.backgroundSyncSize());
            assertThat(options.repairCorruptTail()).isFalse();
            assertThat(options.journal()).isTrue();
            assertThat(options.journalFileSize()).isEqualTo(defaults.journalFileSize());
            assertThat(options.checkpointInterval()).isEqualTo(defaults.checkpointInterval());
            assertThat(context.getBean(NanoWalCompactionScheduler.class).isRunning()).isTrue();
        });
    }

    @Test
    void everyPropertyBindsIntoTheWalOptions() {
        runner().withPropertyValues("nanowal.entry-retention=2h", "nanowal.segments-per-retention-period=4",
                "nanowal.max-segment-size=8MB", "nanowal.max-open-files=32", "nanowal.write-buffer-size=0",
                "nanowal.sync-threads=3", "nanowal.background-sync-size=1MB", "nanowal.repair-corrupt-tail=true",
                "nanowal.compaction.enabled=false",
                "nanowal.compaction.interval=30s", "nanowal.health.min-free-disk=1GB", "nanowal.journal.enabled=false",
                "nanowal.journal.file-size=8MB", "nanowal.journal.checkpoint-interval=2s")
            .run((context) -> {
                WalOptions options = context.getBean(Wal.class).options();
                assertThat(options.entryRetention()).isEqualTo(Duration.ofHours(2));
                assertThat(options.segmentsPerRetentionPeriod()).isEqualTo(4);
                assertThat(options.maxSegmentSize()).isEqualTo(8L * 1024 * 1024);
                assertThat(options.maxOpenFiles()).isEqualTo(32);
                assertThat(options.writeBufferSize()).isZero();
                assertThat(options.syncThreads()).isEqualTo(3);
                assertThat(options.backgroundSyncSize()).isEqualTo(1024L * 1024);
                assertThat(options.repairCorruptTail()).isTrue();
                assertThat(options.journal()).isFalse();
                assertThat(options.journalFileSize()).isEqualTo(8L * 1024 * 1024);
                assertThat(options.checkpointInterval()).isEqualTo(Duration.ofSeconds(2));
                NanoWalProperties properties = context.getBean(NanoWalProperties.class);
                assertThat(properties.compaction().enabled()).isFalse();
                assertThat(properties.compaction().interval()).isEqualTo(Duration.ofSeconds(30));
                assertThat(properties.health().minFreeDisk()).isEqualTo(DataSize.ofGigabytes(1));
                assertThat(context).doesNotHaveBean(NanoWalCompactionScheduler.class)
                    .hasSingleBean(NanoWalCompactor.class);
            });
    }

    @Test
    void relativeDirectoryIsResolvedAgainstTheWorkingDirectory() {
        Path relative = Path.of("").toAbsolutePath().relativize(this.directory.resolve("relative").toAbsolutePath());
        runner().withPropertyValues("nanowal.directory=" + relative).run((context) -> {
            assertThat(context.getBean(Wal.class).directory()).isEqualTo(relative.toAbsolutePath().normalize());
        });
    }

    @Test
    void usesTheApplicationClock() {
        Clock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        runner().withBean(Clock.class, () -> clock).run((context) -> {
            assertThat(context.getBean(Wal.class).options().clock()).isSameAs(clock);
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesAWal() {
        runner().withUserConfiguration(UserWal.class).run((context) -> {
            assertThat(context).hasSingleBean(Wal.class).hasBean("userWal");
            assertThat(context.getBean(Wal.class).directory()).isEqualTo(this.directory.resolve("user"));
            assertThat(context).hasSingleBean(NanoWalCompactor.class);
        });
    }

    @Test
    void disabledByProperty() {
        runner().withPropertyValues("nanowal.enabled=false").run((context) -> {
            assertThat(context).hasNotFailed()
                .doesNotHaveBean(Wal.class)
                .doesNotHaveBean(NanoWalCompactor.class)
                .doesNotHaveBean(NanoWalProperties.class);
            try (Stream<Path> files = Files.list(this.directory)) {
                assertThat(files).isEmpty();
            }
        });
    }

    @Test
    void backsOffWithoutTheCoreOnTheClasspath() {
        runner().withClassLoader(new FilteredClassLoader(Wal.class)).run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(NanoWalCompactor.class);
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            nanowal.segments-per-retention-period | 0      | between 1 and 100000
            nanowal.segments-per-retention-period | 100001 | between 1 and 100000
            nanowal.entry-retention               | -1d    | positive
            nanowal.max-segment-size              | 1KB    | between 4096 and
            nanowal.max-open-files                | 1      | at least 4
            nanowal.write-buffer-size             | 32MB   | between 0 and 16777216
            nanowal.sync-threads                  | 0      | between 1 and 256
            nanowal.background-sync-size          | 1KB    | 0 (off) or between 65536 and
            nanowal.compaction.interval           | 0s     | must be positive
            nanowal.health.min-free-disk          | -1MB   | must be zero or positive
            nanowal.health.max-fsync-latency      | 0ms    | must be positive
            nanowal.health.fsync-latency-window   | -1m    | must be positive
            nanowal.journal.file-size             | 512KB  | between 1048576 and
            nanowal.journal.checkpoint-interval   | 0s     | at least 1 ms
            """)
    void badValueFailsNamingThePropertyAndTheAllowedRange(String property, String value, String range) {
        runner().withPropertyValues(property + "=" + value).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining(property)
                .hasMessageContaining(range);
        });
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void startUpFailureReportNamesThePropertyAndTheAllowedRange(CapturedOutput output) {
        SpringApplication application = new SpringApplication(NanoWalAutoConfiguration.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        assertThatException().isThrownBy(() -> application.run("--nanowal.directory=" + this.directory,
                "--nanowal.segments-per-retention-period=0"));
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("nanowal.segments-per-retention-period")
            .contains("between 1 and 100000");
    }

    @Test
    void timeSliceUnderOneMillisecondIsBlamedOnTheSegmentCount() {
        runner().withPropertyValues("nanowal.entry-retention=10ms", "nanowal.segments-per-retention-period=20")
            .run((context) -> assertThat(context.getStartupFailure()).rootCause()
                .hasMessageContaining("nanowal.segments-per-retention-period")
                .hasMessageContaining("at least 1 ms"));
    }

    @Test
    void scheduledCompactionDeletesExpiredSegments() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        runner().withBean(Clock.class, () -> clock)
            .withPropertyValues("nanowal.entry-retention=1h", "nanowal.segments-per-retention-period=4",
                    "nanowal.compaction.interval=20ms")
            .run((context) -> {
                Wal wal = context.getBean(Wal.class);
                wal.logEntry("expiring", null, bytes("old"));
                clock.advance(Duration.ofHours(3));
                wal.logEntry("fresh", null, bytes("new"));
                await().atMost(Duration.ofSeconds(30))
                    .until(() -> wal.keyInfo("expiring").isEmpty() && wal.lastCompaction().isPresent());
                assertThat(wal.stats().segmentsDeleted()).isPositive();
                assertThat(wal.keyInfo("fresh")).isPresent();
                assertThat(context.getBean(NanoWalCompactor.class).failures()).isZero();
            });
    }

    @Test
    void compactionFailuresAreCountedAndRethrown() {
        runner().withPropertyValues("nanowal.compaction.enabled=false").run((context) -> {
            NanoWalCompactor compactor = context.getBean(NanoWalCompactor.class);
            context.getBean(Wal.class).close();
            assertThatExceptionOfType(WalClosedException.class).isThrownBy(compactor::compact);
            assertThat(compactor.failures()).isEqualTo(1);
        });
    }

    @Test
    void closingTheContextClosesTheWalAndKeepsItsData() {
        EntryRef[] ref = new EntryRef[1];
        Wal[] opened = new Wal[1];
        NanoWalCompactionScheduler[] scheduler = new NanoWalCompactionScheduler[1];
        runner().run((context) -> {
            opened[0] = context.getBean(Wal.class);
            scheduler[0] = context.getBean(NanoWalCompactionScheduler.class);
            ref[0] = opened[0].logEntry("kept", bytes("header"), bytes("survives a restart"));
        });
        assertThat(opened[0].isOpen()).isFalse();
        assertThat(scheduler[0].isRunning()).isFalse();
        runner().run((context) -> {
            Wal wal = context.getBean(Wal.class);
            assertThat(wal).isNotSameAs(opened[0]);
            assertThat(new String(wal.readEntryAt(ref[0]), StandardCharsets.UTF_8)).isEqualTo("survives a restart");
            try (Stream<byte[]> records = wal.enumerateRecords("kept")) {
                assertThat(records.map((r) -> new String(r, StandardCharsets.UTF_8)).toList())
                    .isEqualTo(List.of("survives a restart"));
            }
        });
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(NanoWalProperties.class)
    static class PropertiesOnly {

    }

    @Configuration(proxyBeanMethods = false)
    static class UserWal {

        @Bean
        Wal userWal(@Value("${nanowal.directory}") Path directory) {
            return Wal.open(directory.resolve("user"));
        }

    }
}
