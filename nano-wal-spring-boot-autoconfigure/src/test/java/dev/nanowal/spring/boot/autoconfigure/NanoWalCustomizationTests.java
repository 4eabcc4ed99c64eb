package dev.nanowal.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.nanowal.CompactionResult;
import dev.nanowal.Wal;
import dev.nanowal.WalListener;
import dev.nanowal.WalOptions;
import dev.nanowal.spring.boot.autoconfigure.endpoint.NanoWalEndpoint;
import dev.nanowal.spring.boot.autoconfigure.endpoint.NanoWalEndpointAutoConfiguration;
import dev.nanowal.spring.boot.autoconfigure.health.NanoWalHealthContributorAutoConfiguration;
import dev.nanowal.spring.boot.autoconfigure.metrics.NanoWalMetrics;
import dev.nanowal.spring.boot.autoconfigure.metrics.NanoWalMetricsAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;

/** Customizers and listeners shape the auto-configured WAL; several {@code Wal} beans make its dependents back off. */
class NanoWalCustomizationTests {

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(NanoWalAutoConfiguration.class,
                    NanoWalHealthContributorAutoConfiguration.class, NanoWalMetricsAutoConfiguration.class,
                    NanoWalEndpointAutoConfiguration.class))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("nanowal.directory=" + this.directory, "nanowal.compaction.enabled=false",
                    "management.endpoints.web.exposure.include=nanowal");
    }

    @Test
    void customizersRunInOrderOnTheOptionsThePropertiesSet() {
        runner().withUserConfiguration(OrderedCustomizers.class)
            .withPropertyValues("nanowal.max-open-files=16", "nanowal.entry-retention=2h")
            .run((context) -> {
                OrderedCustomizers customizers = context.getBean(OrderedCustomizers.class);
                // The first saw the properties; the second saw the first's change.
                assertThat(customizers.seenByFirst.maxOpenFiles()).isEqualTo(16);
                assertThat(customizers.seenBySecond.maxOpenFiles()).isEqualTo(32);
                WalOptions options = context.getBean(Wal.class).options();
                assertThat(options.maxOpenFiles()).isEqualTo(64);
                assertThat(options.syncThreads()).isEqualTo(2);
                assertThat(options.entryRetention()).isEqualTo(Duration.ofHours(2));
            });
    }

    @Test
    void aValueTheCoreRefusesFailsStartUpWithTheCoreMessage() {
        runner().withBean(NanoWalOptionsCustomizer.class, () -> (builder) -> builder.maxOpenFiles(1))
            .run((context) -> assertThat(context).getFailure()
                .rootCause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxOpenFiles"));
    }

    @Test
    void listenerBeansHearTheWal() {
        runner().withUserConfiguration(RecordingListener.class).run((context) -> {
            CompactionResult result = context.getBean(Wal.class).compact();
            assertThat(context.getBean(RecordingListener.class).compactions).containsExactly(result);
        });
    }

    @Test
    void twoWalsWithoutAPrimaryLeaveThemAlone() {
        runner().withUserConfiguration(TwoWals.class).run((context) -> {
            assertThat(context).hasNotFailed()
                .getBeans(Wal.class)
                .containsOnlyKeys("firstWal", "secondWal");
            assertThat(context).doesNotHaveBean(NanoWalCompactor.class)
                .doesNotHaveBean(NanoWalCompactionScheduler.class)
                .doesNotHaveBean("nanowalHealthIndicator")
                .doesNotHaveBean(NanoWalMetrics.class)
                .doesNotHaveBean(NanoWalEndpoint.class);
        });
    }

    @Test
    void twoWalsWithAPrimaryGetEverythingOnThePrimary() {
        runner().withUserConfiguration(TwoWals.class, PrimaryWal.class)
            .withPropertyValues("nanowal.compaction.enabled=true")
            .run((context) -> {
                assertThat(context).hasSingleBean(NanoWalCompactor.class)
                    .hasSingleBean(NanoWalCompactionScheduler.class)
                    .hasBean("nanowalHealthIndicator")
                    .hasSingleBean(NanoWalMetrics.class)
                    .hasSingleBean(NanoWalEndpoint.class);
                assertThat(context.getBean(NanoWalEndpoint.class).keys().directory())
                    .isEqualTo(this.directory.resolve("primary").toString());
            });
    }

    @Configuration(proxyBeanMethods = false)
    static class OrderedCustomizers {

        WalOptions seenByFirst;

        WalOptions seenBySecond;

        // Declared second, ordered first: the order comes from @Order, not from the declaration.
        @Bean
        @Order(2)
        NanoWalOptionsCustomizer second() {
            return (builder) -> {
                this.seenBySecond = builder.build();
                builder.maxOpenFiles(64);
            };
        }

        @Bean
        @Order(1)
        NanoWalOptionsCustomizer first() {
            return (builder) -> {
                this.seenByFirst = builder.build();
                builder.maxOpenFiles(32).syncThreads(2);
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class RecordingListener implements WalListener {

        final List<CompactionResult> compactions = new CopyOnWriteArrayList<>();

        @Override
        public void onCompaction(CompactionResult result) {
            this.compactions.add(result);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoWals {

        @Bean(destroyMethod = "close")
        Wal firstWal(NanoWalProperties properties) {
            return Wal.open(properties.directory().resolve("first"));
        }

        @Bean(destroyMethod = "close")
        Wal secondWal(NanoWalProperties properties) {
            return Wal.open(properties.directory().resolve("second"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class PrimaryWal {

        @Bean(destroyMethod = "close")
        @Primary
        Wal primaryWal(NanoWalProperties properties) {
            return Wal.open(properties.directory().resolve("primary"));
        }
    }
}
