package dev.nanowal.spring.boot.test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.nanowal.CompactionResult;
import dev.nanowal.Wal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.support.TestPropertySourceUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The annotation's context customizer, applied to applications this test starts and closes itself. */
class AutoConfigureTempWalTests {

    private final TempWalContextCustomizerFactory factory = new TempWalContextCustomizerFactory();

    @Test
    void onlyAnnotatedTestClassesAreCustomized() {
        assertThat(this.factory.createContextCustomizer(NotAnnotated.class, List.of())).isNull();
        assertThat(this.factory.createContextCustomizer(Annotated.class, List.of()))
            .isEqualTo(this.factory.createContextCustomizer(InheritsTheAnnotation.class, List.of()))
            .isNotEqualTo(this.factory.createContextCustomizer(WithSettableClock.class, List.of()));
    }

    @Test
    void theDirectoryIsTheContextsOwnAndIsDeletedWhenItCloses() {
        Path directory;
        Path otherDirectory;
        try (ConfigurableApplicationContext context = start(Annotated.class);
                ConfigurableApplicationContext other = start(Annotated.class)) {
            Wal wal = context.getBean(Wal.class);
            wal.logEntry("orders", null, "o1".getBytes(StandardCharsets.UTF_8));
            directory = wal.directory();
            otherDirectory = other.getBean(Wal.class).directory();
            assertThat(directory).isNotEqualTo(otherDirectory);
            assertThat(directory.getFileName().toString()).startsWith("nanowal-test-");
            assertThat(directory).isDirectoryContaining((file) -> file.getFileName().toString().endsWith(".log"));
            // The application's own clock, as no settable one was asked for.
            assertThat(wal.options().clock()).isSameAs(context.getBean("applicationClock"));
        }
        assertThat(Files.exists(directory)).isFalse();
        assertThat(Files.exists(otherDirectory)).isFalse();
    }

    @Test
    void aDirectoryInTheTestsOwnPropertiesWins(@TempDir Path own) {
        ContextCustomizer customizer = this.factory.createContextCustomizer(Annotated.class, List.of());
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApplication.class)
            .web(WebApplicationType.NONE)
            .initializers((initialized) -> initialized.getEnvironment()
                .getPropertySources()
                .addFirst(new MapPropertySource(TestPropertySourceUtils.INLINED_PROPERTIES_PROPERTY_SOURCE_NAME,
                        Map.of("nanowal.directory", own.toString()))), (initialized) -> customizer
                            .customizeContext(initialized, null))
            .run()) {
            assertThat(context.getBean(Wal.class).directory()).isEqualTo(own);
        }
    }

    @Test
    void aSettableClockDrivesRetentionWithoutWaiting() {
        try (ConfigurableApplicationContext context = start(WithSettableClock.class,
                "nanowal.entry-retention=1h", "nanowal.segments-per-retention-period=2")) {
            Wal wal = context.getBean(Wal.class);
            SettableClock clock = context.getBean(SettableClock.class);
            assertThat(wal.options().clock()).isSameAs(clock);
            assertThat(context.getBean(Clock.class)).isSameAs(clock);

            // Time slices of 30 minutes: "new" lands in a later segment than "old".
            wal.logEntry("orders", null, "old".getBytes(StandardCharsets.UTF_8));
            clock.advance(Duration.ofMinutes(50));
            wal.logEntry("orders", null, "new".getBytes(StandardCharsets.UTF_8));
            assertThat(wal.compact().segmentsDeleted()).isZero();

            // "old" is now past the retention, with its slice; "new" is not.
            clock.advance(Duration.ofMinutes(55));
            CompactionResult result = wal.compact();
            assertThat(result.segmentsDeleted()).isEqualTo(1);
            try (Stream<byte[]> records = wal.enumerateRecords("orders")) {
                assertThat(records.map((bytes) -> new String(bytes, StandardCharsets.UTF_8))).containsExactly("new");
            }
        }
    }

    @Test
    void theSettableClockOnlyMovesForward() {
        SettableClock clock = new SettableClock(Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(clock.advance(Duration.ofSeconds(5))).isEqualTo(Instant.parse("2030-01-01T00:00:05Z"));
        assertThatIllegalArgumentException().isThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
            .withMessage("duration must be zero or more, was PT-1S");
        Clock zoned = clock.withZone(ZoneId.of("Europe/Paris"));
        clock.set(Instant.parse("2031-01-01T00:00:00Z"));
        assertThat(zoned.instant()).isEqualTo(Instant.parse("2031-01-01T00:00:00Z"));
    }

    private ConfigurableApplicationContext start(Class<?> testClass, String... properties) {
        ContextCustomizer customizer = this.factory.createContextCustomizer(testClass, List.of());
        return new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.NONE)
            .properties(properties)
            .initializers((context) -> customizer.customizeContext(context, null))
            .run();
    }

    static class NotAnnotated {

    }

    @AutoConfigureTempWal
    static class Annotated {

    }

    static class InheritsTheAnnotation extends Annotated {

    }

    @AutoConfigureTempWal(settableClock = true)
    static class WithSettableClock {

    }
}
