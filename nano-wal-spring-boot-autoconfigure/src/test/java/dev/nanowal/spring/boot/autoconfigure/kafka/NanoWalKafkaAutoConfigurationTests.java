package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.nanowal.CursorInfo;
import dev.nanowal.MutableClock;
import dev.nanowal.Wal;
import dev.nanowal.kafka.KafkaRelay;
import dev.nanowal.kafka.KafkaRelayOptions;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class NanoWalKafkaAutoConfigurationTests {

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() throws IOException {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                    NanoWalAutoConfiguration.class, NanoWalKafkaAutoConfiguration.class,
                    NanoWalKafkaHealthContributorAutoConfiguration.class, NanoWalKafkaMetricsAutoConfiguration.class))
            // No broker listens there: the relay starts, sends nothing and says so.
            .withPropertyValues("nanowal.directory=" + this.directory, "nanowal.compaction.enabled=false",
                    "nanowal.kafka.bootstrap-servers=localhost:" + closedPort(),
                    "nanowal.kafka.producer.max.block.ms=100");
    }

    @Test
    void offByDefault() throws IOException {
        runner().run((context) -> assertThat(context).hasSingleBean(Wal.class)
            .doesNotHaveBean(KafkaRelay.class)
            .doesNotHaveBean(NanoWalKafkaMetrics.class)
            .doesNotHaveBean("nanowalKafkaHealthIndicator"));
    }

    @Test
    void aRunningRelayWithHealthAndMetricsWhenEnabled() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true").run((context) -> {
            assertThat(context).hasSingleBean(KafkaRelay.class)
                .hasSingleBean(NanoWalKafkaMetrics.class)
                .hasBean("nanowalKafkaHealthIndicator");
            assertThat(context.getBean(KafkaRelay.class).status().running()).isTrue();
            assertThat(context.getBean(MeterRegistry.class).find("nanowal.kafka.forwarded").functionCounter())
                .isNotNull();
        });
    }

    @Test
    void theRelayStartsAgainWhenTheContextIsStoppedAndStarted() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true").run((context) -> {
            KafkaRelay relay = context.getBean(KafkaRelay.class);
            context.stop();
            assertThat(relay.status().running()).isFalse();
            context.start();
            assertThat(relay.status().running()).isTrue();
        });
    }

    @Test
    void theRelaysCheckpointsAreInTheCursorsNamedByTheProperty() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true").run((context) -> assertThat(context
            .getBean(KafkaRelay.class).options().cursorName()).isEqualTo(KafkaRelayOptions.DEFAULT_CURSOR_NAME));
        runner().withPropertyValues("nanowal.kafka.enabled=true", "nanowal.kafka.cursor-name=audit.relay-2")
            .run((context) -> {
                assertThat(context.getBean(KafkaRelay.class).options().cursorName()).isEqualTo("audit.relay-2");
                Wal wal = context.getBean(Wal.class);
                wal.logEntry("orders", null, "o1".getBytes(StandardCharsets.UTF_8));
                // the relay takes the key's cursor when it finds the key
                await().until(() -> wal.cursors().stream()
                    .anyMatch((cursor) -> cursor.name().equals("audit.relay-2") && cursor.key().equals("orders")));
                assertThat(wal.cursors()).extracting(CursorInfo::name).containsOnly("audit.relay-2");
            });
    }

    @Test
    void compactionStopsFirstAndTheRelayAfterTheWebServer() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true", "nanowal.compaction.enabled=true").run((context) -> {
            int compaction = context.getBean("nanoWalCompactionScheduler", SmartLifecycle.class).getPhase();
            int relay = context.getBean(NanoWalKafkaRelayLifecycle.class).getPhase();
            // Lifecycles stop from the highest phase down; the WAL closes after all of them, with the beans.
            assertThat(compaction).isGreaterThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE);
            // below the web server's own stop too (WebServerStartStopLifecycle, 1024 lower again)
            assertThat(relay).isLessThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE - 1024);
        });
    }

    @Test
    void backsOffWithoutTheKafkaClient() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true")
            .withClassLoader(new FilteredClassLoader(KafkaProducer.class))
            .run((context) -> assertThat(context).hasSingleBean(Wal.class).doesNotHaveBean(KafkaRelay.class));
    }

    @Test
    void healthIsAnOutageWhileKafkaIsUnreachableAndTheLagIsCounted() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true", "nanowal.kafka.health.unreachable-for=1ms",
                "nanowal.kafka.retry-backoff=10ms", "nanowal.kafka.max-retry-backoff=50ms")
            .run((context) -> {
                context.getBean(Wal.class).logEntry("orders", null, "o1".getBytes(StandardCharsets.UTF_8));
                HealthIndicator indicator = context.getBean("nanowalKafkaHealthIndicator", HealthIndicator.class);
                await().untilAsserted(() -> {
                    Health health = indicator.health();
                    assertThat(health.getStatus()).isEqualTo(NanoWalKafkaHealthIndicator.OUTAGE);
                    assertThat(health.getDetails().get("problems").toString())
                        .contains("nanowal.kafka.health.unreachable-for");
                });
                await().untilAsserted(() -> assertThat(context.getBean(MeterRegistry.class)
                    .find("nanowal.kafka.lag.entries").gauge().value()).isEqualTo(1.0));
            });
    }

    @Test
    void healthIsDownInAnOutageWhenAskedTo() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true", "nanowal.kafka.health.unreachable-for=1ms",
                "nanowal.kafka.health.fail-on-outage=true")
            .run((context) -> {
                context.getBean(Wal.class).logEntry("orders", null, "o1".getBytes(StandardCharsets.UTF_8));
                HealthIndicator indicator = context.getBean("nanowalKafkaHealthIndicator", HealthIndicator.class);
                await().untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN));
            });
    }

    @Test
    void healthIsDownWhenTheRelayIsStopped() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true", "nanowal.kafka.health.unreachable-for=1ms")
            .run((context) -> {
                context.getBean(KafkaRelay.class).stop();
                Health health = context.getBean("nanowalKafkaHealthIndicator", HealthIndicator.class).health();
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                assertThat(health.getDetails().get("problems").toString()).contains("not running");
            });
    }

    @Test
    void aValueThatIsNotABooleanForFailOnOutageStopsStartUpNamingTheProperty() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true", "nanowal.kafka.health.fail-on-outage=maybe")
            .run((context) -> assertThat(context.getStartupFailure())
                .hasStackTraceContaining("Failed to bind properties under 'nanowal.kafka.health.fail-on-outage'"));
    }

    @Test
    void onlyTotalsByDefaultAndADurationAsATimeGauge() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true").run((context) -> {
            context.getBean(Wal.class).logEntry("orders", null, "o1".getBytes(StandardCharsets.UTF_8));
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            await().until(() -> context.getBean(KafkaRelay.class).status().failures() > 0);
            assertThat(registry.find("nanowal.kafka.key.lag.entries").meters()).isEmpty();
            assertThat(registry.get("nanowal.kafka.lag.age").timeGauge().baseTimeUnit())
                .isEqualTo(java.util.concurrent.TimeUnit.SECONDS);
            assertThat(registry.get("nanowal.kafka.stalled").timeGauge()).isNotNull();
            assertThat(registry.get("nanowal.kafka.send").timer().takeSnapshot().percentileValues()).isEmpty();
        });
    }

    @Test
    void perKeyGaugesAreCappedAndGoWithTheirKey() throws IOException {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        runner().withBean(Clock.class, () -> clock)
            .withPropertyValues("nanowal.kafka.enabled=true", "nanowal.kafka.metrics.per-key.enabled=true",
                    "nanowal.kafka.metrics.per-key.max-keys=1", "nanowal.entry-retention=1h",
                    "nanowal.kafka.max-lag=1h")
            .run((context) -> {
                Wal wal = context.getBean(Wal.class);
                wal.logEntry("first", null, "1".getBytes(StandardCharsets.UTF_8));
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                await().until(() -> {
                    Gauge first = registry.find("nanowal.kafka.key.lag.entries").tag("key", "first").gauge();
                    return first != null && first.value() == 1.0;
                });
                wal.logEntry("second", null, "2".getBytes(StandardCharsets.UTF_8));
                await().until(() -> context.getBean(KafkaRelay.class).lag("second")
                    .map((lag) -> lag.entriesBehind() == 1).orElse(false));
                await().until(() -> context.getBean(KafkaRelay.class).status().failures() > 2);
                assertThat(registry.find("nanowal.kafka.key.lag.entries").meters()).hasSize(1);
                assertThat(registry.find("nanowal.kafka.key.lag.age").tag("key", "first").timeGauge()).isNotNull();

                // Past the maximum lag, compaction deletes both keys' only segments: the gauges go too.
                clock.advance(Duration.ofHours(3));
                assertThat(wal.compact().segmentsDeleted()).isEqualTo(2);
                assertThat(registry.find("nanowal.kafka.key.lag.entries").meters()).isEmpty();
                assertThat(registry.find("nanowal.kafka.key.lag.age").meters()).isEmpty();
            });
    }

    @Test
    void healthIsUpWithNothingToForward() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true").run((context) -> {
            Health health = context.getBean("nanowalKafkaHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsKeys("forwardedEntries", "stalledFor", "keys");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "nanowal.kafka.max-in-flight=0 | nanowal.kafka.max-in-flight | between 1 and 1000000",
            "nanowal.kafka.checkpoint-interval=0s | nanowal.kafka.checkpoint-interval | between",
            "nanowal.kafka.max-retry-backoff=1ms | nanowal.kafka.max-retry-backoff | at least retryBackoff",
            "nanowal.kafka.key-pattern=( | nanowal.kafka.key-pattern | not a regular expression",
            "nanowal.kafka.producer.acks=1 | nanowal.kafka.producer.acks | must be all",
            "nanowal.kafka.producer.transactional.id=t | nanowal.kafka.producer.transactional.id | not supported",
            "nanowal.kafka.health.unreachable-for=0s | nanowal.kafka.health.unreachable-for | must be positive",
            "nanowal.kafka.metrics.per-key.max-keys=0 | nanowal.kafka.metrics.per-key.max-keys | between 1 and 100000",
            "nanowal.kafka.bootstrap-servers= | nanowal.kafka.bootstrap-servers | at least one host:port",
            "nanowal.kafka.cursor-name=two words | nanowal.kafka.cursor-name | 1 to 64 letters, digits" })
    void aBadValueStopsStartUpNamingTheProperty(String setting, String property, String message) throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true", setting).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                .hasMessageContaining(property)
                .hasMessageContaining(message);
        });
    }

    @Test
    void keysAndAKeyPatternTogetherAreRefused() throws IOException {
        runner().withPropertyValues("nanowal.kafka.enabled=true", "nanowal.kafka.keys=a,b",
                "nanowal.kafka.key-pattern=orders-.*")
            .run((context) -> assertThat(context.getStartupFailure()).rootCause()
                .hasMessageContaining("nanowal.kafka.key-pattern")
                .hasMessageContaining("not both"));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
